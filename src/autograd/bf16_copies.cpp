// Owns: bf16_operand_copies (see bf16_copies.h).
#include "s2s/autograd/bf16_copies.h"

#include "s2s/kernels/gemm.h"

namespace s2s::ag {

std::optional<kern::Bf16OperandCache> bf16_operand_copies(ParamStore& store) {
  if (kern::matmul_precision() != kern::MatmulPrecision::BF16) return std::nullopt;
  std::vector<kern::StableArray> arrays;
  for (const Var& p : store.parameters())
    if (p.value().dtype() == DType::F32) arrays.push_back({p.value().data<float>(), p.value().numel()});
  return std::optional<kern::Bf16OperandCache>(std::in_place, arrays);
}

}  // namespace s2s::ag
