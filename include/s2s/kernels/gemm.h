#pragma once
// Owns: matrix products. Row-major throughout: C[m, n] = alpha * op(A) @ op(B) + beta * C, where
// op(A) is [m, k] (A stored [m, k], or [k, m] when trans_a) and op(B) is [k, n].
// CPU: OpenBLAS (cblas_sgemm / cblas_dgemm). CUDA: cuBLAS.
// The arithmetic of every float32 product (cpu::gemm<float>, cpu::gemm_batched<float>,
// cuda::gemm, cuda::gemm_batched, hence kern::gemm and ag::matmul on float32 tensors) follows the
// process-wide matmul precision below; float64 products are never affected. Every GEMM of the
// model (linear layers, attention, sampled/full softmax projections, their backward products)
// goes through these four functions, so the setting covers all of them.
#include <cstdint>
#include <string_view>

namespace s2s::kern {

enum class MatmulPrecision {
  // IEEE float32 products and sums. CUDA: cuBLAS CUBLAS_DEFAULT_MATH (no tensor-core rounding).
  Float32,
  // CUDA: TF32 tensor cores (CUBLAS_TF32_TENSOR_OP_MATH: the hardware keeps 10 mantissa bits of
  // each operand, float32 accumulation). The CPU has no TF32 units: same as Float32 there.
  TF32,
  // Mixed precision, on both backends: each operand A and B rounded to bfloat16 (round to nearest
  // even, bf16.h), the products (exact in float32) accumulated in float32, C and alpha/beta in
  // float32. Weights, gradients, optimizer state and every non-GEMM op stay float32.
  BF16,
};

void set_matmul_precision(MatmulPrecision precision);  // default Float32; thread-safe
MatmulPrecision matmul_precision();
std::string_view to_string(MatmulPrecision precision);  // "float32", "tf32", "bf16"
// Inverse of to_string; throws s2s::Error naming the accepted values.
MatmulPrecision parse_matmul_precision(std::string_view name);

// Sets the precision for its lifetime and restores the previous one (tests, benchmarks).
class MatmulPrecisionScope {
 public:
  explicit MatmulPrecisionScope(MatmulPrecision precision) : previous_(matmul_precision()) {
    set_matmul_precision(precision);
  }
  ~MatmulPrecisionScope() { set_matmul_precision(previous_); }
  MatmulPrecisionScope(const MatmulPrecisionScope&) = delete;
  MatmulPrecisionScope& operator=(const MatmulPrecisionScope&) = delete;

 private:
  MatmulPrecision previous_;
};

}  // namespace s2s::kern

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
// Older switch, kept for its callers: kern::set_matmul_precision(enabled ? TF32 : Float32).
void set_gemm_tf32(bool enabled);
}  // namespace s2s::cuda
