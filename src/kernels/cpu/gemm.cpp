// Owns: the CPU GEMMs — float32 through oneDNN's dnnl_sgemm (row-major; S2S_CPU_SGEMM=onednn, the
// default) or OpenBLAS's cblas_sgemm (=openblas), float64 through OpenBLAS's cblas_dgemm — their
// thread count, and the CPU twin of the
// BF16 matmul precision (gemm.h): A and B are rounded to bfloat16 into scratch copies exactly as
// the CUDA path rounds them (bf16.h), then multiplied by the same float32 GEMM.
// Why oneDNN for float32: on the model's shapes (M = batch 32-64, K and N 128-1024) it ran at
// 180-230 GFLOP/s on one thread of the AVX-512 CI machine where OpenBLAS 0.3.21 ran at ~100, and
// its per-call overhead on the attention's tiny products is lower too (bench/RESULTS.md).
// Threads: oneDNN runs on OpenMP. OMP_NUM_THREADS decides when set; otherwise
// OPENBLAS_NUM_THREADS, the knob s2s has always documented for its CPU GEMMs, is applied to
// OpenMP too, so one setting keeps both libraries (and mpirun ranks sharing a node) in step. The products of
// two bfloat16 values are exact in float32, so the result is the float32 GEMM of the rounded
// operands, which is what cuBLAS computes with bf16 inputs and float32 accumulation, up to the
// order of the float32 sums. TF32 is a CUDA-only mode: float32 here. Parameters are rounded once
// per step when a Bf16OperandCache is open (bf16_cache.h).
#include "s2s/kernels/gemm.h"

#include <cblas.h>

#include <cstdlib>
#include <tuple>
#include <utility>
#include <vector>

#include "s2s/core/environment.h"
#include "s2s/core/error.h"
#include "s2s/kernels/bf16.h"
#include "s2s/kernels/bf16_cache.h"

#if defined(S2S_SGEMM_ONEDNN)
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#endif

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

#if defined(S2S_SGEMM_ONEDNN)
// OpenMP's thread count for oneDNN, set once per calling thread (OpenMP keeps it per thread):
// OPENBLAS_NUM_THREADS when OMP_NUM_THREADS is unset (see the file comment).
void apply_thread_setting_once() {
  thread_local bool applied = false;
  if (applied) return;
  applied = true;
  if (env_value("OMP_NUM_THREADS") != nullptr) return;
  const char* blas = env_value("OPENBLAS_NUM_THREADS");
  if (blas == nullptr) return;
  char* end = nullptr;
  const long n = std::strtol(blas, &end, 10);
  if (end != blas && *end == '\0' && n >= 1) omp_set_num_threads(static_cast<int>(n));
}

const char* dnnl_status_name(dnnl_status_t s) {
  switch (s) {
    case dnnl_success: return "dnnl_success";
    case dnnl_out_of_memory: return "dnnl_out_of_memory";
    case dnnl_invalid_arguments: return "dnnl_invalid_arguments";
    case dnnl_unimplemented: return "dnnl_unimplemented";
    case dnnl_runtime_error: return "dnnl_runtime_error";
    default: return "another dnnl_status_t";
  }
}
#endif

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
#if defined(S2S_SGEMM_ONEDNN)
  apply_thread_setting_once();
  const dnnl_status_t status = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, ta ? m : k, b,
                                          tb ? k : n, beta, c, n);
  S2S_CHECK(status == dnnl_success, "dnnl_sgemm(", ta ? 'T' : 'N', tb ? 'T' : 'N', ", m=", m, ", n=", n, ", k=", k,
            ") failed: ", dnnl_status_name(status));
#else
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
              static_cast<int>(ta ? m : k), b, static_cast<int>(tb ? k : n), beta, c,
              static_cast<int>(n));
#endif
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
