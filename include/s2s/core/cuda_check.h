#pragma once
// One check macro per CUDA library; include only from CUDA translation units or CUDA dispatch code.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <nccl.h>

#include "s2s/core/error.h"

namespace s2s::detail {
const char* cublas_status_text(cublasStatus_t status);
}

#define S2S_CUDA_CHECK(call)                                                                  \
  do {                                                                                        \
    cudaError_t s2s_cuda_rc_ = (call);                                                        \
    if (s2s_cuda_rc_ != cudaSuccess)                                                          \
      ::s2s::detail::external_call_failed("CUDA", #call, cudaGetErrorString(s2s_cuda_rc_),    \
                                          __FILE__, __LINE__);                                \
  } while (0)

// After every <<<>>> launch: catches bad launch configurations at the launch site.
#define S2S_CUDA_LAUNCH_CHECK() S2S_CUDA_CHECK(cudaGetLastError())

#define S2S_CUBLAS_CHECK(call)                                                                \
  do {                                                                                        \
    cublasStatus_t s2s_cublas_rc_ = (call);                                                   \
    if (s2s_cublas_rc_ != CUBLAS_STATUS_SUCCESS)                                              \
      ::s2s::detail::external_call_failed(                                                    \
          "cuBLAS", #call, ::s2s::detail::cublas_status_text(s2s_cublas_rc_), __FILE__, __LINE__); \
  } while (0)

#define S2S_NCCL_CHECK(call)                                                                  \
  do {                                                                                        \
    ncclResult_t s2s_nccl_rc_ = (call);                                                       \
    if (s2s_nccl_rc_ != ncclSuccess)                                                          \
      ::s2s::detail::external_call_failed("NCCL", #call, ncclGetErrorString(s2s_nccl_rc_),    \
                                          __FILE__, __LINE__);                                \
  } while (0)
