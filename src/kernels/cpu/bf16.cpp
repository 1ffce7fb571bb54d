// Owns: the array form of the host bfloat16 rounding (bf16.h), used by the CPU bf16 GEMM.
#include "s2s/kernels/bf16.h"

namespace s2s::kern {

void round_to_bf16(float* y, const float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = round_to_bf16(x[i]);
}

}  // namespace s2s::kern
