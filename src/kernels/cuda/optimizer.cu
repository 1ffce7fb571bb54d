// Owns: the CUDA optimizer update rules (mirrors src/kernels/cpu/optimizer.cpp). Every product,
// sum and quotient is an explicitly rounded intrinsic (__fmul_rn, __fadd_rn, ...), so nvcc cannot
// contract them into FMAs and the results equal the CPU float32 loop's bit for bit; Adam's alpha
// and the (1 - beta) factors are computed on the host with the CPU's expressions. One thread per
// element, grid-stride.
#include <cmath>
#include <initializer_list>

#include "launch.cuh"
#include "s2s/kernels/optimizer.h"

namespace s2s::cuda {
namespace {

// ---- kernels: var, slots, grad [N] ---------------------------------------------------------------
__global__ void sgd_update_kernel(float* var, const float* grad, float lr, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) var[i] = __fsub_rn(var[i], __fmul_rn(grad[i], lr));
}

__global__ void momentum_update_kernel(float* var, float* accum, const float* grad, float lr, float momentum,
                                       std::int64_t n) {
  S2S_GRID_STRIDE(i, n) {
    const float a = __fadd_rn(__fmul_rn(accum[i], momentum), grad[i]);
    accum[i] = a;
    var[i] = __fsub_rn(var[i], __fmul_rn(a, lr));
  }
}

__global__ void adam_update_kernel(float* var, float* m, float* v, const float* grad, float alpha, float one_minus_beta1,
                                   float one_minus_beta2, float epsilon, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) {
    const float g = grad[i];
    const float mi = __fadd_rn(m[i], __fmul_rn(__fsub_rn(g, m[i]), one_minus_beta1));
    const float vi = __fadd_rn(v[i], __fmul_rn(__fsub_rn(__fmul_rn(g, g), v[i]), one_minus_beta2));
    m[i] = mi;
    v[i] = vi;
    var[i] = __fsub_rn(var[i], __fdiv_rn(__fmul_rn(mi, alpha), __fadd_rn(__fsqrt_rn(vi), epsilon)));
  }
}

// ---- launchers -----------------------------------------------------------------------------------
void launch_sgd_update(float* var, const float* grad, float lr, std::int64_t n) {
  sgd_update_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(var, grad, lr, n);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_momentum_update(float* var, float* accum, const float* grad, float lr, float momentum, std::int64_t n) {
  momentum_update_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(var, accum, grad, lr, momentum,
                                                                                        n);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_adam_update(float* var, float* m, float* v, const float* grad, float alpha, float omb1, float omb2,
                        float epsilon, std::int64_t n) {
  adam_update_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(var, m, v, grad, alpha, omb1, omb2,
                                                                                    epsilon, n);
  S2S_CUDA_LAUNCH_CHECK();
}

void check_update(const char* op, std::int64_t n, std::initializer_list<const void*> ptrs) {
  detail::check_size(op, "n", n);
  for (const void* p : ptrs) detail::check_ptr(op, "an operand", p, n);
}

}  // namespace

// ---- public entries ------------------------------------------------------------------------------
void sgd_update(float* var, const float* grad, float lr, std::int64_t n) {
  check_update("sgd_update", n, {var, grad});
  if (n > 0) launch_sgd_update(var, grad, lr, n);
}

void momentum_update(float* var, float* accum, const float* grad, float lr, float momentum, std::int64_t n) {
  check_update("momentum_update", n, {var, accum, grad});
  if (n > 0) launch_momentum_update(var, accum, grad, lr, momentum, n);
}

void adam_update(float* var, float* m, float* v, const float* grad, float beta1_power, float beta2_power, float lr,
                 float beta1, float beta2, float epsilon, std::int64_t n) {
  check_update("adam_update", n, {var, m, v, grad});
  if (n == 0) return;
  // The CPU loop's expressions, in float on the host (std::sqrt(float) is correctly rounded).
  const float alpha = lr * std::sqrt(1.0f - beta2_power) / (1.0f - beta1_power);
  launch_adam_update(var, m, v, grad, alpha, 1.0f - beta1, 1.0f - beta2, epsilon, n);
}

}  // namespace s2s::cuda
