#pragma once
// Owns: the Tensor-level optimizer update rules the optimizers in optimizer.h call, one small
// function per rule. The element loops, written exactly as TF's training kernels (training_ops.cc,
// non-Nesterov, dense) so float32 results match TF's operation order, are s2s::cpu::<rule> in
// kernels/optimizer.h (re-exported below as s2s::train::cpu::<rule>) with float32 CUDA twins
// s2s::cuda::<rule>; the entry points here check the optimizer's operands and dispatch through
// s2s::kern::<rule> (CPU float32/float64, CUDA float32).
// Shapes: every pointer is [n] (a parameter flattened); var, slots and grad have the same n.
#include <cstdint>

#include "s2s/core/tensor.h"
#include "s2s/kernels/optimizer.h"

namespace s2s::train::cpu {
// The element loops live with the other kernels (kernels/optimizer.h, with their CUDA twins).
using ::s2s::cpu::adam_update;
using ::s2s::cpu::momentum_update;
using ::s2s::cpu::sgd_update;
}  // namespace s2s::train::cpu

namespace s2s::train {
// Tensor-level entry points: same dtype, shape and device for every tensor; the scalars are
// converted to the tensors' dtype first (TF computes them in the variable's dtype).
void sgd_update(Tensor& var, const Tensor& grad, double lr);
void momentum_update(Tensor& var, Tensor& accum, const Tensor& grad, double lr, double momentum);
void adam_update(Tensor& var, Tensor& m, Tensor& v, const Tensor& grad, double beta1_power,
                 double beta2_power, double lr, double beta1, double beta2, double epsilon);
}  // namespace s2s::train
