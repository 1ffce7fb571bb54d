// Owns: CPU reference kernels of arith.h (division and its backward, transpose; plain loops).
#include "s2s/kernels/arith.h"

namespace s2s::cpu {

template <class T> void div(T* y, const T* a, const T* b, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = a[i] / b[i];
}

template <class T> void div_backward(T* da, T* db, const T* b, const T* y, const T* dy, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    if (da) da[i] += dy[i] / b[i];
    if (db) db[i] += -dy[i] * y[i] / b[i];
  }
}

template <class T> void transpose(T* y, const T* x, std::int64_t rows, std::int64_t cols, bool accumulate) {
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) {
      T& out = y[j * rows + i];
      out = accumulate ? out + x[i * cols + j] : x[i * cols + j];
    }
}

#define S2S_INSTANTIATE(T)                                                            \
  template void div<T>(T*, const T*, const T*, std::int64_t);                         \
  template void div_backward<T>(T*, T*, const T*, const T*, const T*, std::int64_t);  \
  template void transpose<T>(T*, const T*, std::int64_t, std::int64_t, bool);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
