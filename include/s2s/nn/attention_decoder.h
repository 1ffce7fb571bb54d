#pragma once
// Owns: attention_decoder (§4.7) and embedding_attention_decoder (§4.8).
// Names under attention_decoder/: AttnW_k [1, 1, A, A], AttnV_k [A], kernel [in+K·A, in],
// bias [in], <cell>, Attention_k/{kernel [Q, A], bias [A]},
// AttnOutputProjection/{kernel [cell out+K·A, out], bias [out]}.
// Errors (TF's ValueError text): "Must provide at least 1 input to attention decoder.",
// "With less than 1 heads, use a non-attention decoder.", "Shape[2] of attention_states must be
// known: <shape>" (attention_states must be [B, L, A]).
#include <optional>
#include <string>
#include <vector>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn {

struct AttentionDecoderOptions {
  std::optional<std::int64_t> output_size;  // default cell.output_size
  std::int64_t num_heads = 1;
  LoopFunction loop_function;
  std::optional<DType> dtype;  // scope dtype (zero attention reads)
  std::string scope = "attention_decoder";
  bool initial_state_attention = false;
  // s2s extension (§11.6), off by default: [B, L] of 1 = attend and 0 = excluded from the softmax
  // (−FLT_MAX added to its score; other values are not meaningful). Any dtype and device: one in
  // the step's dtype and memory is used without a copy. TF attends to every position, PAD included.
  std::optional<Tensor> attention_mask;
};
// attention_states: [B, L, A]. Attention is unmasked unless attention_mask is given (§11.6).
RnnOutput attention_decoder(ParamStore& ps, const std::vector<Var>& decoder_inputs, const State& initial_state,
                            const Var& attention_states, const CellPtr& cell,
                            const AttentionDecoderOptions& options = {});

struct EmbeddingAttentionDecoderOptions {
  std::int64_t num_heads = 1;
  std::optional<std::int64_t> output_size;
  std::optional<OutputProjection> output_projection;  // only b is checked ([num_symbols]), as TF
  bool feed_previous = false;
  bool update_embedding_for_previous = true;
  std::optional<DType> dtype;
  std::string scope = "embedding_attention_decoder";
  bool initial_state_attention = false;
  std::optional<Tensor> attention_mask;  // s2s extension, see AttentionDecoderOptions
};
RnnOutput embedding_attention_decoder(ParamStore& ps, const Ids& decoder_inputs, const State& initial_state,
                                      const Var& attention_states, const CellPtr& cell,
                                      std::int64_t num_symbols, std::int64_t embedding_size,
                                      const EmbeddingAttentionDecoderOptions& options = {});

}  // namespace s2s::nn
