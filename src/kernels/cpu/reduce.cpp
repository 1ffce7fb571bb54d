// Owns: CPU reference reductions.
#include "s2s/kernels/reduce.h"

namespace s2s::cpu {
namespace {
// Σ x² in double with kLanes independent accumulators combined in a fixed tree: the compiler can
// vectorise it (no reassociation is needed), the result is deterministic for a given n, and it is
// more accurate than one running sum. Global-norm clipping passes over every parameter's gradient
// each step, so this loop is on the hot path (≈7 % of a translate-sized CPU step when scalar).
template <class T> double blocked_sum_squares(const T* x, std::int64_t n) {
  constexpr int kLanes = 8;
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<double>(x[i + l]) * x[i + l];
  double tail = 0;
  for (; i < n; ++i) tail += static_cast<double>(x[i]) * x[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}
}  // namespace

template <class T> double sum(const T* x, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}
template <class T> double sum_squares(const T* x, std::int64_t n) { return blocked_sum_squares(x, n); }
template <class T> void sum_rows(T* y, const T* x, std::int64_t rows, std::int64_t cols, bool accumulate) {
  if (!accumulate) for (std::int64_t c = 0; c < cols; ++c) y[c] = 0;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) y[c] += x[r * cols + c];
}
template <class T> void sum_middle(T* y, const T* x, std::int64_t b, std::int64_t l, std::int64_t c) {
  for (std::int64_t i = 0; i < b; ++i)
    for (std::int64_t j = 0; j < l; ++j)
      for (std::int64_t k = 0; k < c; ++k) y[i * c + k] += x[(i * l + j) * c + k];
}
template <class T> void argmax_rows(std::int32_t* idx, const T* x, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t best = 0;
    for (std::int64_t j = 1; j < cols; ++j)
      if (x[r * cols + j] > x[r * cols + best]) best = j;  // strict: ties keep the first index
    idx[r] = static_cast<std::int32_t>(best);
  }
}

template <class T> double global_sum_squares(const T* const* xs, const std::int64_t* ns, std::int64_t count) {
  double s = 0;
  for (std::int64_t i = 0; i < count; ++i) s += blocked_sum_squares(xs[i], ns[i]);
  return s;
}

#define S2S_INSTANTIATE(T)                                                               \
  template double sum<T>(const T*, std::int64_t);                                        \
  template double sum_squares<T>(const T*, std::int64_t);                                \
  template void sum_rows<T>(T*, const T*, std::int64_t, std::int64_t, bool);             \
  template void sum_middle<T>(T*, const T*, std::int64_t, std::int64_t, std::int64_t);   \
  template void argmax_rows<T>(std::int32_t*, const T*, std::int64_t, std::int64_t);    \
  template double global_sum_squares<T>(const T* const*, const std::int64_t*, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
