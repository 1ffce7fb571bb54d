// Owns: CPU element loops of the optimizer update rules (optimizer.h), TF's operation order.
#include "s2s/kernels/optimizer.h"

#include <cmath>

namespace s2s::cpu {

template <class T> void sgd_update(T* var, const T* grad, T lr, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) var[i] -= grad[i] * lr;
}

template <class T> void momentum_update(T* var, T* accum, const T* grad, T lr, T momentum, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    accum[i] = accum[i] * momentum + grad[i];
    var[i] -= accum[i] * lr;
  }
}

template <class T>
void adam_update(T* var, T* m, T* v, const T* grad, T beta1_power, T beta2_power, T lr, T beta1, T beta2, T epsilon,
                 std::int64_t n) {
  const T alpha = lr * std::sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
  for (std::int64_t i = 0; i < n; ++i) {
    m[i] += (grad[i] - m[i]) * (T(1) - beta1);
    v[i] += (grad[i] * grad[i] - v[i]) * (T(1) - beta2);
    var[i] -= (m[i] * alpha) / (std::sqrt(v[i]) + epsilon);
  }
}

#define S2S_INSTANTIATE(T)                                                   \
  template void sgd_update<T>(T*, const T*, T, std::int64_t);               \
  template void momentum_update<T>(T*, T*, const T*, T, T, std::int64_t);   \
  template void adam_update<T>(T*, T*, T*, const T*, T, T, T, T, T, T, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
