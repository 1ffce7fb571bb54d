// Owns: CPU reference reductions.
#include "s2s/kernels/reduce.h"

namespace s2s::cpu {

template <class T> double sum(const T* x, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}
template <class T> double sum_squares(const T* x, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}
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
  for (std::int64_t i = 0; i < count; ++i)
    for (std::int64_t k = 0; k < ns[i]; ++k) s += static_cast<double>(xs[i][k]) * xs[i][k];
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
