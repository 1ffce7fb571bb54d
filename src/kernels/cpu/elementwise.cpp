// Owns: CPU reference elementwise kernels (plain loops; float and double). sigmoid and tanh go
// through fast_math.h (vectorised float32 approximations within 3 ulp; libm for float64).
#include "s2s/kernels/elementwise.h"

#include <algorithm>
#include <cmath>

#include "cpu_clones.h"
#include "fast_math.h"

namespace s2s::cpu {

template <class T> S2S_CPU_CLONES void add(T* y, const T* a, const T* b, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i]; }
template <class T> S2S_CPU_CLONES void sub(T* y, const T* a, const T* b, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] = a[i] - b[i]; }
template <class T> S2S_CPU_CLONES void mul(T* y, const T* a, const T* b, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i]; }
template <class T> S2S_CPU_CLONES void scale(T* y, const T* x, T alpha, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] = alpha * x[i]; }
template <class T> S2S_CPU_CLONES void axpy(T* y, const T* x, T alpha, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] += alpha * x[i]; }
template <class T> S2S_CPU_CLONES void mul_acc(T* y, const T* a, const T* b, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] += a[i] * b[i]; }

template <class T> S2S_CPU_CLONES void sigmoid_forward(T* y, const T* x, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] = vmath::sigmoid(x[i]); }
template <class T> S2S_CPU_CLONES void sigmoid_backward(T* dx, const T* y, const T* dy, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) dx[i] += dy[i] * y[i] * (T(1) - y[i]); }
template <class T> S2S_CPU_CLONES void tanh_forward(T* y, const T* x, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] = vmath::tanh(x[i]); }
template <class T> S2S_CPU_CLONES void tanh_backward(T* dx, const T* y, const T* dy, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) dx[i] += dy[i] * (T(1) - y[i] * y[i]); }
template <class T> S2S_CPU_CLONES void relu_forward(T* y, const T* x, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : T(0); }
template <class T> S2S_CPU_CLONES void relu_backward(T* dx, const T* y, const T* dy, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) if (y[i] > T(0)) dx[i] += dy[i]; }
template <class T> S2S_CPU_CLONES void clip_forward(T* y, const T* x, T lo, T hi, std::int64_t n) { for (std::int64_t i = 0; i < n; ++i) y[i] = std::clamp(x[i], lo, hi); }
template <class T> S2S_CPU_CLONES void clip_backward(T* dx, const T* x, const T* dy, T lo, T hi, std::int64_t n) {
  // TF's clip_by_value passes the gradient where lo <= x <= hi (boundaries included).
  for (std::int64_t i = 0; i < n; ++i) if (x[i] >= lo && x[i] <= hi) dx[i] += dy[i];
}
template <class T> S2S_CPU_CLONES void add_row_vector(T* y, const T* x, const T* bias, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) y[r * cols + c] = x[r * cols + c] + bias[c];
}
template <class T> S2S_CPU_CLONES void add_broadcast_middle(T* y, const T* x, const T* v, std::int64_t b, std::int64_t l, std::int64_t c) {
  for (std::int64_t i = 0; i < b; ++i)
    for (std::int64_t j = 0; j < l; ++j)
      for (std::int64_t k = 0; k < c; ++k) y[(i * l + j) * c + k] = x[(i * l + j) * c + k] + v[i * c + k];
}

#define S2S_INSTANTIATE(T)                                                            \
  template void add<T>(T*, const T*, const T*, std::int64_t);                         \
  template void sub<T>(T*, const T*, const T*, std::int64_t);                         \
  template void mul<T>(T*, const T*, const T*, std::int64_t);                         \
  template void scale<T>(T*, const T*, T, std::int64_t);                              \
  template void axpy<T>(T*, const T*, T, std::int64_t);                               \
  template void mul_acc<T>(T*, const T*, const T*, std::int64_t);                     \
  template void sigmoid_forward<T>(T*, const T*, std::int64_t);                       \
  template void sigmoid_backward<T>(T*, const T*, const T*, std::int64_t);            \
  template void tanh_forward<T>(T*, const T*, std::int64_t);                          \
  template void tanh_backward<T>(T*, const T*, const T*, std::int64_t);               \
  template void relu_forward<T>(T*, const T*, std::int64_t);                          \
  template void relu_backward<T>(T*, const T*, const T*, std::int64_t);               \
  template void clip_forward<T>(T*, const T*, T, T, std::int64_t);                    \
  template void clip_backward<T>(T*, const T*, const T*, T, T, std::int64_t);         \
  template void add_row_vector<T>(T*, const T*, const T*, std::int64_t, std::int64_t); \
  template void add_broadcast_middle<T>(T*, const T*, const T*, std::int64_t, std::int64_t, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
