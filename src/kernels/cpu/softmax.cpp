// Owns: CPU reference softmax family (max-subtracted for stability). exp is fast_math.h's
// (vectorised float32 within 1 ulp; libm for float64); the row sums of exp go through LaneSum
// (a fixed order that vectorises).
#include "s2s/kernels/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu_clones.h"
#include "fast_math.h"
#include "s2s/core/error.h"

namespace s2s::cpu {
namespace {
// An empty row has no maximum: -inf, so a log-sum-exp over nothing is -inf (the CUDA twin launches nothing).
template <class T> [[gnu::always_inline]] inline T row_max(const T* x, std::int64_t n) {
  return n > 0 ? *std::max_element(x, x + n) : -std::numeric_limits<T>::infinity();
}
// Σ_j exp(x[j] - m): exp of a chunk into a stack buffer (a vectorised loop), then summed.
template <class T> [[gnu::always_inline]] inline T sum_exp_shifted(const T* x, T m, std::int64_t n) {
  T buf[vmath::kRowChunk];
  vmath::LaneSum<T> s;
  for (std::int64_t j0 = 0; j0 < n; j0 += vmath::kRowChunk) {
    const std::int64_t len = std::min(vmath::kRowChunk, n - j0);
    for (std::int64_t j = 0; j < len; ++j) buf[j] = vmath::exp(x[j0 + j] - m);
    s.add(buf, len);
  }
  return s.total();
}
template <class T> [[gnu::always_inline]] inline T row_logsumexp(const T* x, std::int64_t n) {
  T m = row_max(x, n);
  if (std::isinf(m)) return m;
  return m + std::log(sum_exp_shifted(x, m, n));
}
}  // namespace

template <class T> S2S_CPU_CLONES void softmax_rows(T* y, const T* x, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    const T m = row_max(xr, cols);
    for (std::int64_t j = 0; j < cols; ++j) yr[j] = vmath::exp(xr[j] - m);
    vmath::LaneSum<T> sum;
    sum.add(yr, cols);
    const T s = sum.total();
    for (std::int64_t j = 0; j < cols; ++j) yr[j] /= s;
  }
}
template <class T> S2S_CPU_CLONES void softmax_rows_backward(T* dx, const T* y, const T* dy, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols; const T* gr = dy + r * cols; T* dr = dx + r * cols;
    T dot = 0;
    for (std::int64_t j = 0; j < cols; ++j) dot += gr[j] * yr[j];
    for (std::int64_t j = 0; j < cols; ++j) dr[j] += yr[j] * (gr[j] - dot);
  }
}
template <class T> S2S_CPU_CLONES void log_softmax_rows(T* y, const T* x, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    T lse = row_logsumexp(x + r * cols, cols);
    for (std::int64_t j = 0; j < cols; ++j) y[r * cols + j] = x[r * cols + j] - lse;
  }
}
template <class T> S2S_CPU_CLONES void log_softmax_rows_backward(T* dx, const T* y, const T* dy, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    T s = 0;
    for (std::int64_t j = 0; j < cols; ++j) s += dy[r * cols + j];
    for (std::int64_t j = 0; j < cols; ++j) dx[r * cols + j] += dy[r * cols + j] - vmath::exp(y[r * cols + j]) * s;
  }
}
template <class T> S2S_CPU_CLONES void softmax_xent_forward(T* loss, const T* x, const std::int32_t* labels, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    S2S_CHECK(labels[r] >= 0 && labels[r] < cols, "label ", labels[r], " of row ", r,
              " is outside [0, ", cols, ")");
    loss[r] = row_logsumexp(x + r * cols, cols) - x[r * cols + labels[r]];
  }
}
template <class T> S2S_CPU_CLONES void softmax_xent_backward(T* dx, const T* x, const std::int32_t* labels, const T* dloss, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    S2S_CHECK(labels[r] >= 0 && labels[r] < cols, "label ", labels[r], " of row ", r,
              " is outside [0, ", cols, ")");  // checked here too: an out-of-range write otherwise
    const T* xr = x + r * cols;
    T lse = row_logsumexp(xr, cols);
    for (std::int64_t j = 0; j < cols; ++j) dx[r * cols + j] += dloss[r] * vmath::exp(xr[j] - lse);
    dx[r * cols + labels[r]] -= dloss[r];
  }
}

#define S2S_INSTANTIATE(T)                                                                              \
  template void softmax_rows<T>(T*, const T*, std::int64_t, std::int64_t);                              \
  template void softmax_rows_backward<T>(T*, const T*, const T*, std::int64_t, std::int64_t);           \
  template void log_softmax_rows<T>(T*, const T*, std::int64_t, std::int64_t);                          \
  template void log_softmax_rows_backward<T>(T*, const T*, const T*, std::int64_t, std::int64_t);       \
  template void softmax_xent_forward<T>(T*, const T*, const std::int32_t*, std::int64_t, std::int64_t); \
  template void softmax_xent_backward<T>(T*, const T*, const std::int32_t*, const T*, std::int64_t, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
