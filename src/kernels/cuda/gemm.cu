// Owns: the CUDA GEMMs, through cuBLAS (mirrors src/kernels/cpu/gemm.cpp).
// Row-major via the operand swap: a row-major [m, n] C is a column-major [n, m] matrix Cᵀ, and
// Cᵀ = op(B)ᵀ op(A)ᵀ, so cuBLAS is called with B first, A second and the sizes (n, m, k); each
// operand's leading dimension is its row-major row length.
// Precision (kern::matmul_precision(), gemm.h), read at every call:
//   Float32: cublasSgemm under CUBLAS_DEFAULT_MATH (no tensor-core rounding).
//   TF32:    cublasSgemm under CUBLAS_TF32_TENSOR_OP_MATH (inputs rounded to 10 mantissa bits by
//            the tensor cores, FP32 accumulation).
//   BF16:    A and B are converted into bfloat16 scratch by our own kernel (__float2bfloat16_rn:
//            round to nearest even, documented in cuda_bf16.h; the CPU twin in bf16.h rounds the
//            same way, bit for bit), then cublasGemmEx / cublasGemmStridedBatchedEx with
//            CUDA_R_16BF operands, CUDA_R_32F C and scale, and CUBLAS_COMPUTE_32F (float32
//            accumulation). Why not CUBLAS_COMPUTE_32F_FAST_16BF on the float32 operands, which
//            would save the conversion pass: cublas_api.h documents it as "allows down-converting
//            inputs to bfloat16 or TF32", i.e. the library may choose TF32 instead, and the
//            rounding of its internal conversion is not specified, so neither the CPU twin nor
//            the parity test could pin the arithmetic down. The explicit conversion costs one
//            read of A and B (4 bytes/element) and one write (2 bytes/element) per call.
//            Scratch comes from the installed Device::CUDA allocator (the caching pool: a bin hit
//            after the first step; inside a CUDA graph capture, the graph's private pool) and is
//            returned right after the GEMM is queued: the pool hands a block out again only to
//            work queued later on the same single stream (cuda_context.h), so the GEMM has read
//            it by then. Parameters are rounded once per step instead when a Bf16OperandCache is
//            open (bf16_cache.h: StepRunner opens one around each training step).
// The other kernels here: the k == 0 case, which BLAS leaves to the caller (see cpu/gemm.cpp),
// and the float32 -> bfloat16 conversion.
#include <cublas_v2.h>
#include <cuda_bf16.h>

#include "launch.cuh"
#include "s2s/kernels/bf16_cache.h"
#include "s2s/kernels/gemm.h"

namespace s2s::cuda {
namespace {

// ---- kernels -------------------------------------------------------------------------------------
// C = beta C (beta != 0) or C = 0 (beta == 0, C not read: it may hold NaN)
__global__ void scale_c_kernel(float* c, float beta, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
}

// Both operands in one launch: ya [na] = bf16(xa [na]), yb [nb] = bf16(xb [nb]).
__global__ void round_operands_kernel(__nv_bfloat16* ya, const float* xa, std::int64_t na, __nv_bfloat16* yb,
                                      const float* xb, std::int64_t nb) {
  S2S_GRID_STRIDE(i, na + nb) {
    if (i < na) ya[i] = __float2bfloat16_rn(xa[i]);
    else yb[i - na] = __float2bfloat16_rn(xb[i - na]);
  }
}

// ---- launchers -----------------------------------------------------------------------------------
void launch_scale_c(float* c, float beta, std::int64_t n) {
  scale_c_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(c, beta, n);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_round_operands(__nv_bfloat16* ya, const float* xa, std::int64_t na, __nv_bfloat16* yb, const float* xb,
                           std::int64_t nb) {
  round_operands_kernel<<<detail::flat_grid(na + nb), detail::kBlock, 0, detail::stream()>>>(ya, xa, na, yb, xb, nb);
  S2S_CUDA_LAUNCH_CHECK();
}

// The context's handle with the math mode of the current precision. BF16 uses cublasGemmEx with
// an explicit compute type, which the math mode does not change; DEFAULT keeps it from using TF32.
cublasHandle_t blas(kern::MatmulPrecision precision) {
  auto handle = static_cast<cublasHandle_t>(context().cublas());
  const cublasMath_t mode =
      precision == kern::MatmulPrecision::TF32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
  S2S_CUBLAS_CHECK(cublasSetMathMode(handle, mode));
  return handle;
}

// bfloat16 copies of A [batch*m*k] and B [batch*k*n]: an operand that the open Bf16OperandCache
// holds (a parameter, rounded once per step: bf16_cache.h) is read from there; the others are
// rounded into one scratch block from the device allocator, freed (back to the pool) when this
// goes out of scope; see the file comment.
class Bf16Operands {
 public:
  Bf16Operands(const float* a, std::int64_t a_size, const float* b, std::int64_t b_size)
      : allocator_(device_allocator(Device::CUDA)) {
    S2S_CHECK(allocator_ != nullptr, "gemm (bf16): no CUDA allocator installed; call s2s::cuda::initialize first");
    a_ = cached(a, a_size);
    b_ = cached(b, b_size);
    const std::int64_t a_need = a_ == nullptr ? (a_size + 7) / 8 * 8 : 0;  // B 16-byte aligned (tensor cores)
    const std::int64_t b_need = b_ == nullptr ? b_size : 0;
    if (a_need + b_need == 0) return;
    bytes_ = static_cast<std::size_t>(a_need + b_need) * sizeof(__nv_bfloat16);
    block_ = allocator_->allocate(bytes_);
    auto* ya = a_ == nullptr ? static_cast<__nv_bfloat16*>(block_) : nullptr;
    auto* yb = b_ == nullptr ? static_cast<__nv_bfloat16*>(block_) + a_need : nullptr;
    launch_round_operands(ya, a, ya ? a_size : 0, yb, b, yb ? b_size : 0);
    if (ya) a_ = ya;
    if (yb) b_ = yb;
  }
  ~Bf16Operands() {
    if (block_ != nullptr) allocator_->deallocate(block_, bytes_);
  }
  Bf16Operands(const Bf16Operands&) = delete;
  Bf16Operands& operator=(const Bf16Operands&) = delete;
  const __nv_bfloat16* a() const { return a_; }
  const __nv_bfloat16* b() const { return b_; }

 private:
  // The cache's copy of x [n] (made here on first use), or nullptr when x is not cached.
  const __nv_bfloat16* cached(const float* x, std::int64_t n) {
    kern::Bf16OperandCache* cache = kern::Bf16OperandCache::active();
    if (cache == nullptr || n == 0) return nullptr;
    DeviceAllocator* allocator = allocator_;
    const void* copy = cache->find_or_make(x, n, [x, n, allocator] {
      const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(__nv_bfloat16);
      auto* y = static_cast<__nv_bfloat16*>(allocator->allocate(bytes));
      launch_round_operands(y, x, n, nullptr, nullptr, 0);
      return kern::Bf16OperandCache::Copy{
          y, [allocator, bytes](const void* p) { allocator->deallocate(const_cast<void*>(p), bytes); }};
    });
    return static_cast<const __nv_bfloat16*>(copy);
  }

  DeviceAllocator* allocator_;
  std::size_t bytes_ = 0;
  void* block_ = nullptr;
  const __nv_bfloat16* a_ = nullptr;
  const __nv_bfloat16* b_ = nullptr;
};

struct GemmShape {
  int m, n, k;
  bool ta, tb;
  cublasOperation_t op_a() const { return ta ? CUBLAS_OP_T : CUBLAS_OP_N; }
  cublasOperation_t op_b() const { return tb ? CUBLAS_OP_T : CUBLAS_OP_N; }
  int lda() const { return ta ? m : k; }
  int ldb() const { return tb ? k : n; }
};

void launch_gemm(float* c, const float* a, const float* b, const GemmShape& s, float alpha, float beta) {
  const kern::MatmulPrecision precision = kern::matmul_precision();
  cublasHandle_t handle = blas(precision);
  if (precision != kern::MatmulPrecision::BF16) {
    S2S_CUBLAS_CHECK(cublasSgemm(handle, s.op_b(), s.op_a(), s.n, s.m, s.k, &alpha, b, s.ldb(), a, s.lda(), &beta,
                                 c, s.n));
    return;
  }
  const Bf16Operands ops(a, std::int64_t{s.m} * s.k, b, std::int64_t{s.k} * s.n);
  S2S_CUBLAS_CHECK(cublasGemmEx(handle, s.op_b(), s.op_a(), s.n, s.m, s.k, &alpha, ops.b(), CUDA_R_16BF, s.ldb(),
                                ops.a(), CUDA_R_16BF, s.lda(), &beta, c, CUDA_R_32F, s.n, CUBLAS_COMPUTE_32F,
                                CUBLAS_GEMM_DEFAULT));
}

void launch_gemm_batched(float* c, const float* a, const float* b, const GemmShape& s, int batch, float alpha,
                         float beta) {
  const long long stride_a = static_cast<long long>(s.m) * s.k, stride_b = static_cast<long long>(s.k) * s.n,
                  stride_c = static_cast<long long>(s.m) * s.n;
  const kern::MatmulPrecision precision = kern::matmul_precision();
  cublasHandle_t handle = blas(precision);
  if (precision != kern::MatmulPrecision::BF16) {
    S2S_CUBLAS_CHECK(cublasSgemmStridedBatched(handle, s.op_b(), s.op_a(), s.n, s.m, s.k, &alpha, b, s.ldb(),
                                               stride_b, a, s.lda(), stride_a, &beta, c, s.n, stride_c, batch));
    return;
  }
  // The scratch copies keep each operand's layout, so the strides are the same (in elements).
  const Bf16Operands ops(a, batch * stride_a, b, batch * stride_b);
  S2S_CUBLAS_CHECK(cublasGemmStridedBatchedEx(handle, s.op_b(), s.op_a(), s.n, s.m, s.k, &alpha, ops.b(),
                                              CUDA_R_16BF, s.ldb(), stride_b, ops.a(), CUDA_R_16BF, s.lda(),
                                              stride_a, &beta, c, CUDA_R_32F, s.n, stride_c, batch,
                                              CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
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

// ---- public entries ------------------------------------------------------------------------------
void set_gemm_tf32(bool enabled) {
  kern::set_matmul_precision(enabled ? kern::MatmulPrecision::TF32 : kern::MatmulPrecision::Float32);
}

void gemm(float* c, const float* a, const float* b, bool trans_a, bool trans_b, std::int64_t m,
          std::int64_t n, std::int64_t k, float alpha, float beta) {
  check_gemm_args("gemm", c, a, b, 1, m, n, k);
  if (m == 0 || n == 0) return;
  if (k == 0) return launch_scale_c(c, beta, m * n);
  launch_gemm(c, a, b, {int(m), int(n), int(k), trans_a, trans_b}, alpha, beta);
}

void gemm_batched(float* c, const float* a, const float* b, bool trans_a, bool trans_b,
                  std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                  float beta) {
  check_gemm_args("gemm_batched", c, a, b, batch, m, n, k);
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) return launch_scale_c(c, beta, batch * m * n);
  launch_gemm_batched(c, a, b, {int(m), int(n), int(k), trans_a, trans_b}, int(batch), alpha, beta);
}

}  // namespace s2s::cuda
