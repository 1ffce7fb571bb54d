// Owns: CPU reference kernels of the fused attention score (attention.h; plain loops).
#include "s2s/kernels/attention.h"

#include <cmath>

namespace s2s::cpu {

template <class T>
void attention_score_forward(T* e, const T* f, const T* y, const T* v, std::int64_t b, std::int64_t l, std::int64_t a) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < l; ++j) {
      const T* fr = f + (r * l + j) * a;
      const T* yr = y + r * a;
      T s = 0;
      for (std::int64_t k = 0; k < a; ++k) s += v[k] * std::tanh(fr[k] + yr[k]);
      e[r * l + j] = s;
    }
}

template <class T>
void attention_score_backward(T* df, T* dy, T* dv, const T* f, const T* y, const T* v, const T* de, std::int64_t b,
                              std::int64_t l, std::int64_t a) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < l; ++j) {
      const std::int64_t row = (r * l + j) * a;
      const T d = de[r * l + j];
      for (std::int64_t k = 0; k < a; ++k) {
        const T t = std::tanh(f[row + k] + y[r * a + k]);
        const T g = d * v[k] * (T(1) - t * t);
        if (df) df[row + k] += g;
        if (dy) dy[r * a + k] += g;
        if (dv) dv[k] += d * t;
      }
    }
}

#define S2S_INSTANTIATE(T)                                                                                         \
  template void attention_score_forward<T>(T*, const T*, const T*, const T*, std::int64_t, std::int64_t, std::int64_t); \
  template void attention_score_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, std::int64_t,      \
                                            std::int64_t, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
