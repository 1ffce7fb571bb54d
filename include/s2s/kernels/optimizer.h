#pragma once
// Owns: the element loops of the optimizer update rules, written exactly as TF's training kernels
// (training_ops.cc, non-Nesterov, dense) so float32 results follow TF's operation order, and their
// CUDA twins. s2s::train::cpu (train/update_rules.h) re-exports the CPU loops; the optimizers call
// the Tensor-level train::<rule> entries, which dispatch through kern::<rule> (tensor_ops.h).
// Every pointer is [n] (a parameter flattened); var, slots and grad have the same n.
#include <cstdint>

namespace s2s::cpu {
// ApplyGradientDescent: var -= grad * lr.
template <class T> void sgd_update(T* var, const T* grad, T lr, std::int64_t n);
// ApplyMomentum: accum = accum * momentum + grad; var -= accum * lr.
template <class T> void momentum_update(T* var, T* accum, const T* grad, T lr, T momentum, std::int64_t n);
// ApplyAdam: alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
//            m += (grad - m) * (1 - beta1); v += (grad^2 - v) * (1 - beta2);
//            var -= (m * alpha) / (sqrt(v) + epsilon).
template <class T>
void adam_update(T* var, T* m, T* v, const T* grad, T beta1_power, T beta2_power, T lr, T beta1, T beta2, T epsilon,
                 std::int64_t n);
}  // namespace s2s::cpu

namespace s2s::cuda {
// Same operation order as the CPU loops, with every product and sum rounded separately (no FMA
// contraction) and alpha computed on the host as the CPU does, so the float32 results are the
// CPU float32 loop's bit for bit.
void sgd_update(float* var, const float* grad, float lr, std::int64_t n);
void momentum_update(float* var, float* accum, const float* grad, float lr, float momentum, std::int64_t n);
void adam_update(float* var, float* m, float* v, const float* grad, float beta1_power, float beta2_power, float lr,
                 float beta1, float beta2, float epsilon, std::int64_t n);
}  // namespace s2s::cuda
