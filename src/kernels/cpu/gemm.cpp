// Owns: the CPU GEMMs, through OpenBLAS's CBLAS interface (row-major).
#include "s2s/kernels/gemm.h"

#include <cblas.h>

#include "s2s/core/error.h"

namespace s2s::cpu {

template <>
void gemm<float>(float* c, const float* a, const float* b, bool ta, bool tb, std::int64_t m,
                 std::int64_t n, std::int64_t k, float alpha, float beta) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // BLAS leaves C untouched when k == 0 only if beta == 1; make it explicit
    for (std::int64_t i = 0; i < m * n; ++i) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
    return;
  }
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
