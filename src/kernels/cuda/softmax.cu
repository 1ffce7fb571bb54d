// Owns: the CUDA softmax family (mirrors src/kernels/cpu/softmax.cpp): row-wise softmax,
// log-softmax and softmax cross-entropy with int32 labels, and their backward rules (which
// accumulate into dx). One thread block per row; each thread walks its strided share of the row
// and the block reduces with the fixed tree of launch.cuh, so results are reproducible.
// Max-subtracted like the CPU; logsumexp returns the max itself when it is infinite (CPU rule).
// A label outside [0, cols) makes the row's loss NaN and is reported through device_error.h.
#include <cmath>
#include <initializer_list>

#include "launch.cuh"
#include "s2s/kernels/softmax.h"

namespace s2s::cuda {
namespace {

// ---- device helpers (per row, all threads of the block) ---------------------------------------
__device__ float row_max(const float* x, std::int64_t cols) {
  float m = -INFINITY;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) m = detail::MaxOp{}(m, x[j]);
  return detail::block_reduce(m, detail::MaxOp{}, -INFINITY);
}
__device__ float row_sum_exp(const float* x, float m, std::int64_t cols) {
  float s = 0.0f;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += expf(x[j] - m);
  return detail::block_reduce(s, detail::SumOp{}, 0.0f);
}
__device__ float row_logsumexp(const float* x, std::int64_t cols) {
  const float m = row_max(x, cols);
  const float s = row_sum_exp(x, m, cols);  // every thread takes part in the reduction
  return isinf(m) ? m : m + logf(s);
}

// ---- kernels: blockIdx.x = row ------------------------------------------------------------------
// y, x [R, C]
__global__ void softmax_rows_kernel(float* y, const float* x, std::int64_t cols) {
  const std::int64_t r = blockIdx.x;
  const float* xr = x + r * cols;
  float* yr = y + r * cols;
  const float m = row_max(xr, cols);
  const float s = row_sum_exp(xr, m, cols);
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = expf(xr[j] - m) / s;
}

// dx += y ⊙ (dy − Σ_j dy_j y_j); dx, y, dy [R, C]
__global__ void softmax_rows_backward_kernel(float* dx, const float* y, const float* dy, std::int64_t cols) {
  const std::int64_t o = blockIdx.x * cols;
  float dot = 0.0f;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) dot += dy[o + j] * y[o + j];
  dot = detail::block_reduce(dot, detail::SumOp{}, 0.0f);
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) dx[o + j] += y[o + j] * (dy[o + j] - dot);
}

// y, x [R, C]
__global__ void log_softmax_rows_kernel(float* y, const float* x, std::int64_t cols) {
  const std::int64_t o = blockIdx.x * cols;
  const float lse = row_logsumexp(x + o, cols);
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) y[o + j] = x[o + j] - lse;
}

// dx += dy − exp(y) Σ_j dy_j; dx, y, dy [R, C]
__global__ void log_softmax_rows_backward_kernel(float* dx, const float* y, const float* dy, std::int64_t cols) {
  const std::int64_t o = blockIdx.x * cols;
  float s = 0.0f;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += dy[o + j];
  s = detail::block_reduce(s, detail::SumOp{}, 0.0f);
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) dx[o + j] += dy[o + j] - expf(y[o + j]) * s;
}

// loss [R] = logsumexp(x[r, :]) − x[r, label[r]]; x [R, C], labels [R]
__global__ void softmax_xent_forward_kernel(float* loss, const float* x, const std::int32_t* labels,
                                            std::int64_t cols, DeviceError* err) {
  const std::int64_t r = blockIdx.x;
  const float lse = row_logsumexp(x + r * cols, cols);
  if (threadIdx.x != 0) return;
  const std::int32_t label = labels[r];
  if (label < 0 || label >= cols) {
    detail::report_bad_index(err, kErrSoftmaxXentForward, r, label, cols);
    loss[r] = NAN;
    return;
  }
  loss[r] = lse - x[r * cols + label];
}

// dx[r, :] += dloss[r] (softmax(x[r, :]) − onehot(label[r])); dx, x [R, C], labels, dloss [R]
__global__ void softmax_xent_backward_kernel(float* dx, const float* x, const std::int32_t* labels,
                                             const float* dloss, std::int64_t cols, DeviceError* err) {
  const std::int64_t r = blockIdx.x, o = r * cols;
  const float lse = row_logsumexp(x + o, cols);
  const std::int32_t label = labels[r];
  const bool valid = label >= 0 && label < cols;
  if (!valid && threadIdx.x == 0) detail::report_bad_index(err, kErrSoftmaxXentBackward, r, label, cols);
  const float d = valid ? dloss[r] : NAN;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
    dx[o + j] += d * expf(x[o + j] - lse);
    if (j == label) dx[o + j] -= d;  // same thread, after the add: the CPU's order
  }
}

// ---- launchers ---------------------------------------------------------------------------------
void launch_softmax_rows(float* y, const float* x, std::int64_t rows, std::int64_t cols) {
  softmax_rows_kernel<<<unsigned(rows), detail::row_block(cols), 0, detail::stream()>>>(y, x, cols);
  S2S_CUDA_LAUNCH_CHECK();
}
void launch_softmax_rows_backward(float* dx, const float* y, const float* dy, std::int64_t rows, std::int64_t cols) {
  softmax_rows_backward_kernel<<<unsigned(rows), detail::row_block(cols), 0, detail::stream()>>>(dx, y, dy, cols);
  S2S_CUDA_LAUNCH_CHECK();
}
void launch_log_softmax_rows(float* y, const float* x, std::int64_t rows, std::int64_t cols) {
  log_softmax_rows_kernel<<<unsigned(rows), detail::row_block(cols), 0, detail::stream()>>>(y, x, cols);
  S2S_CUDA_LAUNCH_CHECK();
}
void launch_log_softmax_rows_backward(float* dx, const float* y, const float* dy, std::int64_t rows, std::int64_t cols) {
  log_softmax_rows_backward_kernel<<<unsigned(rows), detail::row_block(cols), 0, detail::stream()>>>(dx, y, dy, cols);
  S2S_CUDA_LAUNCH_CHECK();
}
void launch_softmax_xent_forward(float* loss, const float* x, const std::int32_t* labels, std::int64_t rows,
                                 std::int64_t cols) {
  softmax_xent_forward_kernel<<<unsigned(rows), detail::row_block(cols), 0, detail::stream()>>>(
      loss, x, labels, cols, detail::device_error());
  S2S_CUDA_LAUNCH_CHECK();
}
void launch_softmax_xent_backward(float* dx, const float* x, const std::int32_t* labels, const float* dloss,
                                  std::int64_t rows, std::int64_t cols) {
  softmax_xent_backward_kernel<<<unsigned(rows), detail::row_block(cols), 0, detail::stream()>>>(
      dx, x, labels, dloss, cols, detail::device_error());
  S2S_CUDA_LAUNCH_CHECK();
}

// Validation shared by the entries; false when there is nothing to do.
bool check_rows(const char* op, std::int64_t rows, std::int64_t cols, std::initializer_list<const void*> ptrs) {
  detail::check_size(op, "rows", rows);
  detail::check_size(op, "cols", cols);
  S2S_CHECK(rows <= INT_MAX, op, ": ", rows, " rows exceed the grid limit of this kernel");
  for (const void* p : ptrs) detail::check_ptr(op, "an operand", p, rows * cols);
  return rows > 0 && cols > 0;
}

}  // namespace

// ---- public entries ----------------------------------------------------------------------------
void softmax_rows(float* y, const float* x, std::int64_t rows, std::int64_t cols) {
  if (check_rows("softmax_rows", rows, cols, {y, x})) launch_softmax_rows(y, x, rows, cols);
}
void softmax_rows_backward(float* dx, const float* y, const float* dy, std::int64_t rows, std::int64_t cols) {
  if (check_rows("softmax_rows_backward", rows, cols, {dx, y, dy})) launch_softmax_rows_backward(dx, y, dy, rows, cols);
}
void log_softmax_rows(float* y, const float* x, std::int64_t rows, std::int64_t cols) {
  if (check_rows("log_softmax_rows", rows, cols, {y, x})) launch_log_softmax_rows(y, x, rows, cols);
}
void log_softmax_rows_backward(float* dx, const float* y, const float* dy, std::int64_t rows, std::int64_t cols) {
  if (check_rows("log_softmax_rows_backward", rows, cols, {dx, y, dy}))
    launch_log_softmax_rows_backward(dx, y, dy, rows, cols);
}
void softmax_xent_forward(float* loss, const float* x, const std::int32_t* labels, std::int64_t rows, std::int64_t cols) {
  S2S_CHECK(rows == 0 || cols > 0, "softmax_xent_forward: ", rows, " rows of 0 classes have no valid label");
  detail::check_ptr("softmax_xent_forward", "loss", loss, rows);
  detail::check_ptr("softmax_xent_forward", "labels", labels, rows);
  if (check_rows("softmax_xent_forward", rows, cols, {x})) launch_softmax_xent_forward(loss, x, labels, rows, cols);
}
void softmax_xent_backward(float* dx, const float* x, const std::int32_t* labels, const float* dloss,
                           std::int64_t rows, std::int64_t cols) {
  S2S_CHECK(rows == 0 || cols > 0, "softmax_xent_backward: ", rows, " rows of 0 classes have no valid label");
  detail::check_ptr("softmax_xent_backward", "labels", labels, rows);
  detail::check_ptr("softmax_xent_backward", "dloss", dloss, rows);
  if (check_rows("softmax_xent_backward", rows, cols, {dx, x}))
    launch_softmax_xent_backward(dx, x, labels, dloss, rows, cols);
}

}  // namespace s2s::cuda
