// Owns: OutputProjection::apply and _extract_argmax_and_embed (spec §4.0).
#include "s2s/nn/seq2seq_types.h"

#include "s2s/autograd/ops.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::nn {

Var OutputProjection::apply(const Var& x) const {
  return ag::add_bias(ag::matmul(x, w, false, transposed), b);
}

LoopFunction extract_argmax_and_embed(const Var& embedding, const std::optional<OutputProjection>& output_projection,
                                      bool update_embedding) {
  return [embedding, output_projection, update_embedding](const Var& prev, std::int64_t) -> Var {
    Tensor symbols = Tensor::empty({prev.dim(0)}, DType::I32, prev.device());
    {
      ag::TapeScope no_tape(nullptr);  // the argmax has no gradient, so neither has what feeds it
      Var logits = output_projection ? output_projection->apply(prev) : prev;
      kern::argmax_rows(symbols, logits.value());
    }
    Var emb = ag::embedding_lookup(embedding, symbols);
    return update_embedding ? emb : ag::stop_gradient(emb);
  };
}

}  // namespace s2s::nn
