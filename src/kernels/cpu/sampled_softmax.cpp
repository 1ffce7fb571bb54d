// Owns: CPU reference kernels of the sampled-softmax logit steps (sampled_softmax.h).
#include "s2s/kernels/sampled_softmax.h"

#include <cfloat>
#include <cmath>

namespace s2s::cpu {

template <class T>
void mask_accidental_hits(T* y, const T* x, const std::int32_t* sampled, const std::int32_t* labels, std::int64_t b,
                          std::int64_t s, std::int64_t nt) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < s; ++j) {
      bool hit = false;
      for (std::int64_t k = 0; k < nt && !hit; ++k) hit = sampled[j] == labels[r * nt + k];
      y[r * s + j] = x[r * s + j] + (hit ? -static_cast<T>(FLT_MAX) : T(0));
    }
}

template <class T> void subtract_log_q(T* y, const T* x, const T* q, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) y[r * cols + c] = x[r * cols + c] - std::log(q[c]);
}

#define S2S_INSTANTIATE(T)                                                                                     \
  template void mask_accidental_hits<T>(T*, const T*, const std::int32_t*, const std::int32_t*, std::int64_t, \
                                        std::int64_t, std::int64_t);                                           \
  template void subtract_log_q<T>(T*, const T*, const T*, std::int64_t, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
