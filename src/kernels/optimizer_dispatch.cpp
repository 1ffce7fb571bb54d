// Owns: Tensor-level dispatch of the optimizer update rules (tensor_ops.h, kernels/optimizer.h).
// train/update_rules.cpp adds the optimizer-facing checks and calls these.
#include "dispatch.h"
#include "s2s/kernels/optimizer.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::kern {

using namespace detail;

namespace {
void check_update(const char* op, const Tensor& var, std::initializer_list<const Tensor*> others) {
  check_same(op, var, others);
  for (const Tensor* t : others) check_numel(op, var, *t);
}
}  // namespace

void sgd_update(Tensor& var, const Tensor& grad, double lr) {
  check_update("sgd_update", var, {&grad});
  dispatch("sgd_update", var,
      [&](auto t) { using T = decltype(t); cpu::sgd_update<T>(ptr<T>(var), ptr<T>(grad), T(lr), var.numel()); },
      [&] { cuda::sgd_update(fptr(var), fptr(grad), float(lr), var.numel()); });
}

void momentum_update(Tensor& var, Tensor& accum, const Tensor& grad, double lr, double momentum) {
  check_update("momentum_update", var, {&accum, &grad});
  dispatch("momentum_update", var,
      [&](auto t) {
        using T = decltype(t);
        cpu::momentum_update<T>(ptr<T>(var), ptr<T>(accum), ptr<T>(grad), T(lr), T(momentum), var.numel());
      },
      [&] { cuda::momentum_update(fptr(var), fptr(accum), fptr(grad), float(lr), float(momentum), var.numel()); });
}

void adam_update(Tensor& var, Tensor& m, Tensor& v, const Tensor& grad, double beta1_power, double beta2_power,
                 double lr, double beta1, double beta2, double epsilon) {
  check_update("adam_update", var, {&m, &v, &grad});
  dispatch("adam_update", var,
      [&](auto t) {
        using T = decltype(t);
        cpu::adam_update<T>(ptr<T>(var), ptr<T>(m), ptr<T>(v), ptr<T>(grad), T(beta1_power), T(beta2_power), T(lr),
                            T(beta1), T(beta2), T(epsilon), var.numel());
      },
      [&] {
        cuda::adam_update(fptr(var), fptr(m), fptr(v), fptr(grad), float(beta1_power), float(beta2_power), float(lr),
                          float(beta1), float(beta2), float(epsilon), var.numel());
      });
}

}  // namespace s2s::kern
