// Owns: the CPU element loops of the optimizer update rules and their Tensor-level dispatch.
// The CUDA branch fails with a clear message until the kernels part provides s2s::cuda twins
// (float32) with the same signatures as the s2s::train::cpu loops.
#include "s2s/train/update_rules.h"

#include <cmath>

namespace s2s::train {
namespace cpu {

template <class T>
void sgd_update(T* var, const T* grad, T lr, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) var[i] -= grad[i] * lr;
}

template <class T>
void momentum_update(T* var, T* accum, const T* grad, T lr, T momentum, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    accum[i] = accum[i] * momentum + grad[i];
    var[i] -= accum[i] * lr;
  }
}

template <class T>
void adam_update(T* var, T* m, T* v, const T* grad, T beta1_power, T beta2_power, T lr, T beta1,
                 T beta2, T epsilon, std::int64_t n) {
  const T alpha = lr * std::sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
  for (std::int64_t i = 0; i < n; ++i) {
    m[i] += (grad[i] - m[i]) * (T(1) - beta1);
    v[i] += (grad[i] * grad[i] - v[i]) * (T(1) - beta2);
    var[i] -= (m[i] * alpha) / (std::sqrt(v[i]) + epsilon);
  }
}

#define S2S_INSTANTIATE(T)                                                                     \
  template void sgd_update<T>(T*, const T*, T, std::int64_t);                                 \
  template void momentum_update<T>(T*, T*, const T*, T, T, std::int64_t);                     \
  template void adam_update<T>(T*, T*, T*, const T*, T, T, T, T, T, T, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace cpu

namespace {

void check_operands(const char* rule, const Tensor& var, std::initializer_list<const Tensor*> others) {
  S2S_CHECK(var.defined() && is_floating(var.dtype()), rule, ": the variable must be a float tensor");
  for (const Tensor* t : others) {
    S2S_CHECK(t->defined(), rule, ": undefined operand");
    S2S_CHECK(t->dtype() == var.dtype() && t->device() == var.device() && t->shape() == var.shape(),
              rule, ": operand ", dtype_name(t->dtype()), " ", shape_str(t->shape()), " on ",
              device_name(t->device()), " does not match the variable ", dtype_name(var.dtype()), " ",
              shape_str(var.shape()), " on ", device_name(var.device()));
  }
  S2S_CHECK(var.device() == Device::CPU, rule,
            ": no CUDA update kernel yet (add s2s::cuda::", rule, " in src/kernels/cuda/)");
}

}  // namespace

void sgd_update(Tensor& var, const Tensor& grad, double lr) {
  check_operands("sgd_update", var, {&grad});
  dispatch_floating(var.dtype(), [&](auto t) {
    using T = decltype(t);
    cpu::sgd_update<T>(var.data<T>(), grad.data<T>(), T(lr), var.numel());
  });
}

void momentum_update(Tensor& var, Tensor& accum, const Tensor& grad, double lr, double momentum) {
  check_operands("momentum_update", var, {&accum, &grad});
  dispatch_floating(var.dtype(), [&](auto t) {
    using T = decltype(t);
    cpu::momentum_update<T>(var.data<T>(), accum.data<T>(), grad.data<T>(), T(lr), T(momentum),
                            var.numel());
  });
}

void adam_update(Tensor& var, Tensor& m, Tensor& v, const Tensor& grad, double beta1_power,
                 double beta2_power, double lr, double beta1, double beta2, double epsilon) {
  check_operands("adam_update", var, {&m, &v, &grad});
  dispatch_floating(var.dtype(), [&](auto t) {
    using T = decltype(t);
    cpu::adam_update<T>(var.data<T>(), m.data<T>(), v.data<T>(), grad.data<T>(), T(beta1_power),
                        T(beta2_power), T(lr), T(beta1), T(beta2), T(epsilon), var.numel());
  });
}

}  // namespace s2s::train
