// Owns: the CPU GEMMs, through OpenBLAS's CBLAS interface (row-major), and the CPU twin of the
// BF16 matmul precision (gemm.h): A and B are rounded to bfloat16 into scratch copies exactly as
// the CUDA path rounds them (bf16.h), then multiplied by the same cblas_sgemm. The products of
// two bfloat16 values are exact in float32, so the result is the float32 GEMM of the rounded
// operands, which is what cuBLAS computes with bf16 inputs and float32 accumulation, up to the
// order of the float32 sums. TF32 is a CUDA-only mode: float32 here. Parameters are rounded once
// per step when a Bf16OperandCache is open (bf16_cache.h).
#include "s2s/kernels/gemm.h"

#include <cblas.h>

#include <tuple>
#include <utility>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/kernels/bf16.h"
#include "s2s/kernels/bf16_cache.h"

namespace s2s::cpu {
namespace {

// x [n] rounded to bfloat16: the open Bf16OperandCache's copy when x is one of its stable arrays
// (bf16_cache.h), else `scratch`, filled now.
const float* rounded(const float* x, std::int64_t n, float* scratch) {
  if (kern::Bf16OperandCache* cache = kern::Bf16OperandCache::active()) {
    const void* copy = cache->find_or_make(x, n, [x, n] {
      auto* y = new float[static_cast<std::size_t>(n)];
      kern::round_to_bf16(y, x, n);
      return kern::Bf16OperandCache::Copy{y, [](const void* p) { delete[] static_cast<const float*>(p); }};
    });
    if (copy != nullptr) return static_cast<const float*>(copy);
  }
  kern::round_to_bf16(scratch, x, n);
  return scratch;
}

// Rounded copies of A [m*k] and B [k*n] (this thread's scratch, grow-only: a training step uses
// the same sizes every step, or the cache's copies). Returns {A', B'}; valid until this thread's
// next call (or the cache's closing).
std::pair<const float*, const float*> bf16_operands(const float* a, std::int64_t a_size, const float* b,
                                                    std::int64_t b_size) {
  thread_local std::vector<float> scratch;
  const auto need = static_cast<std::size_t>(a_size + b_size);
  if (scratch.size() < need) scratch.resize(need);
  return {rounded(a, a_size, scratch.data()), rounded(b, b_size, scratch.data() + a_size)};
}

}  // namespace

template <>
void gemm<float>(float* c, const float* a, const float* b, bool ta, bool tb, std::int64_t m,
                 std::int64_t n, std::int64_t k, float alpha, float beta) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // BLAS leaves C untouched when k == 0 only if beta == 1; make it explicit
    for (std::int64_t i = 0; i < m * n; ++i) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
    return;
  }
  if (kern::matmul_precision() == kern::MatmulPrecision::BF16) std::tie(a, b) = bf16_operands(a, m * k, b, k * n);
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
              static_cast<int>(ta ? m : k), b, static_cast<int>(tb ? k : n), beta, c,
              static_cast<int>(n));
}

template <>
void gemm<double>(double* c, const double* a, const double* b, bool ta, bool tb, std::int64_t m,
                  std::int64_t n, std::int64_t k, double alpha, double beta) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (std::int64_t i = 0; i < m * n; ++i) c[i] = beta == 0.0 ? 0.0 : beta * c[i];
    return;
  }
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
              static_cast<int>(ta ? m : k), b, static_cast<int>(tb ? k : n), beta, c,
              static_cast<int>(n));
}

template <class T>
void gemm_batched(T* c, const T* a, const T* b, bool ta, bool tb, std::int64_t batch,
                  std::int64_t m, std::int64_t n, std::int64_t k, T alpha, T beta) {
  for (std::int64_t i = 0; i < batch; ++i)
    gemm<T>(c + i * m * n, a + i * m * k, b + i * k * n, ta, tb, m, n, k, alpha, beta);
}

template void gemm_batched<float>(float*, const float*, const float*, bool, bool, std::int64_t,
                                  std::int64_t, std::int64_t, std::int64_t, float, float);
template void gemm_batched<double>(double*, const double*, const double*, bool, bool, std::int64_t,
                                   std::int64_t, std::int64_t, std::int64_t, double, double);

}  // namespace s2s::cpu
