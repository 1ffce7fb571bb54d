#pragma once
// Owns: opening a bf16 operand cache over a parameter store's float32 values.
// Under the BF16 matmul precision, kern::Bf16OperandCache (kernels/bf16_cache.h) rounds each
// parameter to bfloat16 once instead of at every GEMM that reads it; the results are bit for bit
// those without it. Whoever runs forwards during which nothing writes the parameters (the step
// runner for forward + backward, evaluation, decoding) keeps one on the stack around them.
#include <optional>

#include "s2s/autograd/param_store.h"
#include "s2s/kernels/bf16_cache.h"

namespace s2s::ag {

// Empty under any precision but BF16 (nothing to cache).
std::optional<kern::Bf16OperandCache> bf16_operand_copies(ParamStore& store);

}  // namespace s2s::ag
