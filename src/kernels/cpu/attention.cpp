// Owns: CPU reference kernels of the fused attention score (attention.h; plain loops).
// Each row's tanh(f + y) goes into a stack chunk first (a loop GCC vectorises with fast_math.h's
// float32 tanh; libm for float64), then plain loops use it: the forward dot product in LaneSum's
// fixed order, the backward updates element by element.
#include "s2s/kernels/attention.h"

#include <algorithm>

#include "cpu_clones.h"
#include "fast_math.h"

namespace s2s::cpu {
namespace {
// t[k] = tanh(f[k] + y[k]) for k < n.
template <class T> [[gnu::always_inline]] inline void tanh_of_sum(T* t, const T* f, const T* y, std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) t[k] = vmath::tanh(f[k] + y[k]);
}

template <class T>
[[gnu::always_inline]] inline void score_forward(T* e, const T* f, const T* y, const T* v, std::int64_t b,
                                                 std::int64_t l, std::int64_t a) {
  T t[vmath::kRowChunk];
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < l; ++j) {
      const T* fr = f + (r * l + j) * a;
      const T* yr = y + r * a;
      vmath::LaneSum<T> s;
      for (std::int64_t k0 = 0; k0 < a; k0 += vmath::kRowChunk) {
        const std::int64_t m = std::min(vmath::kRowChunk, a - k0);
        tanh_of_sum(t, fr + k0, yr + k0, m);
        s.add_products(v + k0, t, m);
      }
      e[r * l + j] = s.total();
    }
}

template <class T>
[[gnu::always_inline]] inline void score_backward(T* df, T* dy, T* dv, const T* f, const T* y, const T* v,
                                                  const T* de, std::int64_t b, std::int64_t l, std::int64_t a) {
  T t[vmath::kRowChunk], g[vmath::kRowChunk];
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < l; ++j) {
      const std::int64_t row = (r * l + j) * a;
      const T d = de[r * l + j];
      for (std::int64_t k0 = 0; k0 < a; k0 += vmath::kRowChunk) {
        const std::int64_t m = std::min(vmath::kRowChunk, a - k0);
        tanh_of_sum(t, f + row + k0, y + r * a + k0, m);
        for (std::int64_t k = 0; k < m; ++k) g[k] = d * v[k0 + k] * (T(1) - t[k] * t[k]);
        if (df)
          for (std::int64_t k = 0; k < m; ++k) df[row + k0 + k] += g[k];
        if (dy)
          for (std::int64_t k = 0; k < m; ++k) dy[r * a + k0 + k] += g[k];
        if (dv)
          for (std::int64_t k = 0; k < m; ++k) dv[k0 + k] += d * t[k];
      }
    }
}

}  // namespace

// One clone per ISA level, picked at load time (cpu_clones.h): the same loops, wider vectors.
template <class T>
S2S_CPU_CLONES void attention_score_forward(T* e, const T* f, const T* y, const T* v, std::int64_t b, std::int64_t l,
                                            std::int64_t a) {
  score_forward(e, f, y, v, b, l, a);
}

template <class T>
S2S_CPU_CLONES void attention_score_backward(T* df, T* dy, T* dv, const T* f, const T* y, const T* v, const T* de,
                                             std::int64_t b, std::int64_t l, std::int64_t a) {
  score_backward(df, dy, dv, f, y, v, de, b, l, a);
}

#define S2S_INSTANTIATE(T)                                                                                         \
  template void attention_score_forward<T>(T*, const T*, const T*, const T*, std::int64_t, std::int64_t, std::int64_t); \
  template void attention_score_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, std::int64_t,      \
                                            std::int64_t, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
