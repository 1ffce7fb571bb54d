// Owns: the optimizer-facing checks of the update rules; the element loops and their CPU/CUDA
// dispatch are the kernels part's (kernels/optimizer.h, kern::<rule> in tensor_ops.h).
#include "s2s/train/update_rules.h"

#include "s2s/kernels/tensor_ops.h"

namespace s2s::train {

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
}

}  // namespace

void sgd_update(Tensor& var, const Tensor& grad, double lr) {
  check_operands("sgd_update", var, {&grad});
  kern::sgd_update(var, grad, lr);
}

void momentum_update(Tensor& var, Tensor& accum, const Tensor& grad, double lr, double momentum) {
  check_operands("momentum_update", var, {&accum, &grad});
  kern::momentum_update(var, accum, grad, lr, momentum);
}

void adam_update(Tensor& var, Tensor& m, Tensor& v, const Tensor& grad, double beta1_power,
                 double beta2_power, double lr, double beta1, double beta2, double epsilon) {
  check_operands("adam_update", var, {&m, &v, &grad});
  kern::adam_update(var, m, v, grad, beta1_power, beta2_power, lr, beta1, beta2, epsilon);
}

}  // namespace s2s::train
