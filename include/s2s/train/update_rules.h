#pragma once
// Owns: the element loops of every optimizer update rule, one small function per rule, written
// exactly as TF's training kernels (training_ops.cc, non-Nesterov, dense) so float32 results match
// TF's operation order. The Tensor-level entry points validate and dispatch by device; this is the
// seam for CUDA twins (s2s::cuda::<rule>, to live with the other kernels in src/kernels/cuda/):
// the optimizers in optimizer.h only ever call the Tensor-level functions.
// Shapes: every pointer is [n] (a parameter flattened); var, slots and grad have the same n.
#include <cstdint>

#include "s2s/core/tensor.h"

namespace s2s::train::cpu {
// ApplyGradientDescent: var -= grad * lr.
template <class T> void sgd_update(T* var, const T* grad, T lr, std::int64_t n);
// ApplyMomentum: accum = accum * momentum + grad; var -= accum * lr.
template <class T>
void momentum_update(T* var, T* accum, const T* grad, T lr, T momentum, std::int64_t n);
// ApplyAdam: alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
//            m += (grad - m) * (1 - beta1); v += (grad^2 - v) * (1 - beta2);
//            var -= (m * alpha) / (sqrt(v) + epsilon).
template <class T>
void adam_update(T* var, T* m, T* v, const T* grad, T beta1_power, T beta2_power, T lr, T beta1,
                 T beta2, T epsilon, std::int64_t n);
}  // namespace s2s::train::cpu

namespace s2s::train {
// Tensor-level entry points: same dtype, shape and device for every tensor; the scalars are
// converted to the tensors' dtype first (TF computes them in the variable's dtype).
void sgd_update(Tensor& var, const Tensor& grad, double lr);
void momentum_update(Tensor& var, Tensor& accum, const Tensor& grad, double lr, double momentum);
void adam_update(Tensor& var, Tensor& m, Tensor& v, const Tensor& grad, double beta1_power,
                 double beta2_power, double lr, double beta1, double beta2, double epsilon);
}  // namespace s2s::train
