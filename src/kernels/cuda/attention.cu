// Owns: the CUDA fused attention score (mirrors src/kernels/cpu/attention.cpp).
// Forward: one block per (b, j) row of A features, each thread summing its strided share of
// v[a] tanh(F + y) in float, then the block's fixed reduction tree (launch.cuh): deterministic.
// Backward: one thread per (b, a), walking j = 0 .. L-1 in order: it recomputes t = tanh(F + y),
// writes dF, and sums dy[b, a] and a partial of dv[a] in registers (coalesced along a). The dv
// partials [B, A] (scratch) are then added over b in order by one thread per a. No atomics, so the
// result depends on the sizes only.
#include "launch.cuh"
#include "s2s/kernels/attention.h"

namespace s2s::cuda {
namespace {

// ---- kernels -------------------------------------------------------------------------------------
// e [B, L]; f [B, L, A]; y [B, A]; v [A]; blockIdx.x = b L + j
__global__ void attention_score_forward_kernel(float* e, const float* f, const float* y, const float* v,
                                               std::int64_t l, std::int64_t a) {
  const std::int64_t row = blockIdx.x, b = row / l;
  const float* fr = f + row * a;
  const float* yr = y + b * a;
  float s = 0.0f;
  for (std::int64_t k = threadIdx.x; k < a; k += blockDim.x) s += v[k] * tanhf(fr[k] + yr[k]);
  s = detail::block_reduce(s, detail::SumOp{}, 0.0f);
  if (threadIdx.x == 0) e[row] = s;
}

// df [B, L, A], dy [B, A] (each may be null), dv_part [B, A] (null: dv not wanted);
// f [B, L, A], y [B, A], v [A], de [B, L]; t = b A + a
__global__ void attention_score_backward_kernel(float* df, float* dy, float* dv_part, const float* f, const float* y,
                                                const float* v, const float* de, std::int64_t b, std::int64_t l,
                                                std::int64_t a) {
  S2S_GRID_STRIDE(t, b * a) {
    const std::int64_t r = t / a, k = t % a;
    const float yv = y[t], vv = v[k];
    float sum_dy = 0.0f, sum_dv = 0.0f;
    for (std::int64_t j = 0; j < l; ++j) {
      const std::int64_t at = (r * l + j) * a + k;
      const float d = de[r * l + j];
      const float tv = tanhf(f[at] + yv);
      const float g = d * vv * (1.0f - tv * tv);
      if (df) df[at] += g;
      sum_dy += g;
      sum_dv += d * tv;
    }
    if (dy) dy[t] += sum_dy;
    if (dv_part) dv_part[t] = sum_dv;
  }
}

// dv [A] += Σ_b dv_part [B, A], rows in order
__global__ void add_column_partials_kernel(float* dv, const float* dv_part, std::int64_t b, std::int64_t a) {
  S2S_GRID_STRIDE(k, a) {
    float s = 0.0f;
    for (std::int64_t r = 0; r < b; ++r) s += dv_part[r * a + k];
    dv[k] += s;
  }
}

// ---- launchers -----------------------------------------------------------------------------------
void launch_attention_score_forward(float* e, const float* f, const float* y, const float* v, std::int64_t b,
                                    std::int64_t l, std::int64_t a) {
  attention_score_forward_kernel<<<static_cast<unsigned>(b * l), detail::row_block(a), 0, detail::stream()>>>(e, f, y, v,
                                                                                                                l, a);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_attention_score_backward(float* df, float* dy, float* dv, const float* f, const float* y, const float* v,
                                     const float* de, std::int64_t b, std::int64_t l, std::int64_t a) {
  if (dv == nullptr) {
    attention_score_backward_kernel<<<detail::flat_grid(b * a), detail::kBlock, 0, detail::stream()>>>(
        df, dy, nullptr, f, y, v, de, b, l, a);
    S2S_CUDA_LAUNCH_CHECK();
    return;
  }
  detail::Scratch part(sizeof(float) * static_cast<std::size_t>(b * a));
  attention_score_backward_kernel<<<detail::flat_grid(b * a), detail::kBlock, 0, detail::stream()>>>(
      df, dy, part.as<float>(), f, y, v, de, b, l, a);
  S2S_CUDA_LAUNCH_CHECK();
  add_column_partials_kernel<<<detail::flat_grid(a), detail::kBlock, 0, detail::stream()>>>(dv, part.as<float>(), b, a);
  S2S_CUDA_LAUNCH_CHECK();
}

void check_sizes(const char* op, std::int64_t b, std::int64_t l, std::int64_t a) {
  detail::check_size(op, "b", b);
  detail::check_size(op, "l", l);
  detail::check_size(op, "a", a);
}

}  // namespace

// ---- public entries ------------------------------------------------------------------------------
void attention_score_forward(float* e, const float* f, const float* y, const float* v, std::int64_t b, std::int64_t l,
                             std::int64_t a) {
  const char* op = "attention_score_forward";
  check_sizes(op, b, l, a);
  detail::check_int(op, "b * l (blocks)", b * l);
  detail::check_ptr(op, "e", e, b * l);
  detail::check_ptr(op, "f", f, b * l * a);
  detail::check_ptr(op, "y", y, l > 0 ? b * a : 0);
  detail::check_ptr(op, "v", v, b * l > 0 ? a : 0);
  if (b * l == 0) return;
  launch_attention_score_forward(e, f, y, v, b, l, a);  // a == 0: e = 0, as the CPU's empty sum
}

void attention_score_backward(float* df, float* dy, float* dv, const float* f, const float* y, const float* v,
                              const float* de, std::int64_t b, std::int64_t l, std::int64_t a) {
  const char* op = "attention_score_backward";
  check_sizes(op, b, l, a);
  detail::check_ptr(op, "f", f, b * l * a);
  detail::check_ptr(op, "y", y, b * a);
  detail::check_ptr(op, "v", v, a);
  detail::check_ptr(op, "de", de, b * l);
  if (a == 0 || (df == nullptr && dy == nullptr && dv == nullptr)) return;
  if (b == 0) return;  // dv += an empty sum
  launch_attention_score_backward(df, dy, dv, f, y, v, de, b, l, a);
}

}  // namespace s2s::cuda
