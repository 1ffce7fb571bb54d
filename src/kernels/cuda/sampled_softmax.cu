// Owns: the CUDA sampled-softmax logit steps (mirrors src/kernels/cpu/sampled_softmax.cpp): one
// thread per logit, grid-stride; the accidental-hit test scans the row's num_true labels.
#include <cfloat>

#include "launch.cuh"
#include "s2s/kernels/sampled_softmax.h"

namespace s2s::cuda {
namespace {

// ---- kernels -------------------------------------------------------------------------------------
// y, x [B, S]; sampled [S]; labels [B, nt]
__global__ void mask_accidental_hits_kernel(float* y, const float* x, const std::int32_t* sampled,
                                            const std::int32_t* labels, std::int64_t b, std::int64_t s,
                                            std::int64_t nt) {
  S2S_GRID_STRIDE(t, b * s) {
    const std::int64_t r = t / s;
    const std::int32_t id = sampled[t % s];
    bool hit = false;
    for (std::int64_t k = 0; k < nt && !hit; ++k) hit = id == labels[r * nt + k];
    y[t] = x[t] + (hit ? -FLT_MAX : 0.0f);
  }
}

// y, x [R, C]; q [C]
__global__ void subtract_log_q_kernel(float* y, const float* x, const float* q, std::int64_t rows, std::int64_t cols) {
  S2S_GRID_STRIDE(t, rows * cols) y[t] = x[t] - logf(q[t % cols]);
}

// ---- launchers -----------------------------------------------------------------------------------
void launch_mask_accidental_hits(float* y, const float* x, const std::int32_t* sampled, const std::int32_t* labels,
                                 std::int64_t b, std::int64_t s, std::int64_t nt) {
  mask_accidental_hits_kernel<<<detail::flat_grid(b * s), detail::kBlock, 0, detail::stream()>>>(y, x, sampled, labels,
                                                                                                 b, s, nt);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_subtract_log_q(float* y, const float* x, const float* q, std::int64_t rows, std::int64_t cols) {
  subtract_log_q_kernel<<<detail::flat_grid(rows * cols), detail::kBlock, 0, detail::stream()>>>(y, x, q, rows, cols);
  S2S_CUDA_LAUNCH_CHECK();
}

}  // namespace

// ---- public entries ------------------------------------------------------------------------------
void mask_accidental_hits(float* y, const float* x, const std::int32_t* sampled, const std::int32_t* labels,
                          std::int64_t b, std::int64_t s, std::int64_t nt) {
  const char* op = "mask_accidental_hits";
  detail::check_size(op, "b", b);
  detail::check_size(op, "s", s);
  detail::check_size(op, "nt", nt);
  detail::check_ptr(op, "y", y, b * s);
  detail::check_ptr(op, "x", x, b * s);
  detail::check_ptr(op, "sampled", sampled, b > 0 ? s : 0);
  detail::check_ptr(op, "labels", labels, s > 0 ? b * nt : 0);
  if (b * s == 0) return;
  launch_mask_accidental_hits(y, x, sampled, labels, b, s, nt);
}

void subtract_log_q(float* y, const float* x, const float* q, std::int64_t rows, std::int64_t cols) {
  const char* op = "subtract_log_q";
  detail::check_size(op, "rows", rows);
  detail::check_size(op, "cols", cols);
  detail::check_ptr(op, "y", y, rows * cols);
  detail::check_ptr(op, "x", x, rows * cols);
  detail::check_ptr(op, "q", q, rows > 0 ? cols : 0);
  if (rows * cols == 0) return;
  launch_subtract_log_q(y, x, q, rows, cols);
}

}  // namespace s2s::cuda
