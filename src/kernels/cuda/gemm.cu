// Owns: the CUDA GEMMs, through cuBLAS (mirrors src/kernels/cpu/gemm.cpp).
// Row-major via the operand swap: a row-major [m, n] C is a column-major [n, m] matrix Cᵀ, and
// Cᵀ = op(B)ᵀ op(A)ᵀ, so cuBLAS is called with B first, A second and the sizes (n, m, k); each
// operand's leading dimension is its row-major row length.
// FP32 math by default (CUBLAS_DEFAULT_MATH, no tensor-core rounding); set_gemm_tf32(true) switches
// to CUBLAS_TF32_TENSOR_OP_MATH (inputs rounded to 10 mantissa bits, FP32 accumulation).
// The only kernel here is the k == 0 case, which BLAS leaves to the caller (see cpu/gemm.cpp).
#include <cublas_v2.h>

#include <atomic>

#include "launch.cuh"
#include "s2s/kernels/gemm.h"

namespace s2s::cuda {
namespace {
std::atomic<bool> g_tf32{false};

// ---- kernel: C = beta C (beta != 0) or C = 0 (beta == 0, C not read: it may hold NaN) --------
__global__ void scale_c_kernel(float* c, float beta, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
}

// ---- launchers ---------------------------------------------------------------------------------
void launch_scale_c(float* c, float beta, std::int64_t n) {
  scale_c_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(c, beta, n);
  S2S_CUDA_LAUNCH_CHECK();
}

cublasHandle_t blas() {
  auto handle = static_cast<cublasHandle_t>(context().cublas());
  S2S_CUBLAS_CHECK(cublasSetMathMode(handle, g_tf32.load() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  return handle;
}

void launch_gemm(float* c, const float* a, const float* b, bool ta, bool tb, int m, int n, int k,
                 float alpha, float beta) {
  const cublasOperation_t op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int lda = ta ? m : k, ldb = tb ? k : n;
  S2S_CUBLAS_CHECK(cublasSgemm(blas(), op_b, op_a, n, m, k, &alpha, b, ldb, a, lda, &beta, c, n));
}

void launch_gemm_batched(float* c, const float* a, const float* b, bool ta, bool tb, int batch,
                         int m, int n, int k, float alpha, float beta) {
  const cublasOperation_t op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int lda = ta ? m : k, ldb = tb ? k : n;
  const long long stride_a = static_cast<long long>(m) * k, stride_b = static_cast<long long>(k) * n,
                  stride_c = static_cast<long long>(m) * n;
  S2S_CUBLAS_CHECK(cublasSgemmStridedBatched(blas(), op_b, op_a, n, m, k, &alpha, b, ldb, stride_b,
                                             a, lda, stride_a, &beta, c, n, stride_c, batch));
}

void check_gemm_args(const char* op, float* c, const float* a, const float* b, std::int64_t batch,
                     std::int64_t m, std::int64_t n, std::int64_t k) {
  detail::check_size(op, "batch", batch);
  detail::check_size(op, "m", m);
  detail::check_size(op, "n", n);
  detail::check_size(op, "k", k);
  detail::check_int(op, "batch", batch);
  detail::check_int(op, "m", m);
  detail::check_int(op, "n", n);
  detail::check_int(op, "k", k);
  detail::check_ptr(op, "C", c, batch * m * n);
  detail::check_ptr(op, "A", a, batch * m * k);
  detail::check_ptr(op, "B", b, batch * k * n);
}
}  // namespace

// ---- public entries ----------------------------------------------------------------------------
void set_gemm_tf32(bool enabled) { g_tf32.store(enabled); }

void gemm(float* c, const float* a, const float* b, bool trans_a, bool trans_b, std::int64_t m,
          std::int64_t n, std::int64_t k, float alpha, float beta) {
  check_gemm_args("gemm", c, a, b, 1, m, n, k);
  if (m == 0 || n == 0) return;
  if (k == 0) return launch_scale_c(c, beta, m * n);
  launch_gemm(c, a, b, trans_a, trans_b, int(m), int(n), int(k), alpha, beta);
}

void gemm_batched(float* c, const float* a, const float* b, bool trans_a, bool trans_b,
                  std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                  float beta) {
  check_gemm_args("gemm_batched", c, a, b, batch, m, n, k);
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) return launch_scale_c(c, beta, batch * m * n);
  launch_gemm_batched(c, a, b, trans_a, trans_b, int(batch), int(m), int(n), int(k), alpha, beta);
}

}  // namespace s2s::cuda
