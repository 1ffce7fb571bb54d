#pragma once
// Owns: matrix products. Row-major throughout: C[m, n] = alpha * op(A) @ op(B) + beta * C, where
// op(A) is [m, k] (A stored [m, k], or [k, m] when trans_a) and op(B) is [k, n].
// CPU: OpenBLAS (cblas_sgemm / cblas_dgemm). CUDA: cuBLAS, FP32 by default, TF32 by option.
#include <cstdint>

namespace s2s::cpu {
template <class T>
void gemm(T* c, const T* a, const T* b, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n,
          std::int64_t k, T alpha, T beta);
// `batch` independent products, each matrix stored contiguously after the previous one.
template <class T>
void gemm_batched(T* c, const T* a, const T* b, bool trans_a, bool trans_b, std::int64_t batch,
                  std::int64_t m, std::int64_t n, std::int64_t k, T alpha, T beta);
}  // namespace s2s::cpu

namespace s2s::cuda {
void gemm(float* c, const float* a, const float* b, bool trans_a, bool trans_b, std::int64_t m,
          std::int64_t n, std::int64_t k, float alpha, float beta);
void gemm_batched(float* c, const float* a, const float* b, bool trans_a, bool trans_b,
                  std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                  float beta);
void set_gemm_tf32(bool enabled);  // TF32 tensor cores for float32 GEMMs (off by default)
}  // namespace s2s::cuda
