#pragma once
// Owns: embedding_attention_seq2seq (§4.9), the translate model's function. Encoder:
// EmbeddingWrapper(encoder_cell or the cell, Ve, E) under `rnn`; attention states = the encoder
// outputs stacked along time [B, T_enc, cell.output_size]; decoder: embedding_attention_decoder on
// the full final encoder state, with an OutputProjectionWrapper(cell, Vd) when no projection is
// given. Names: §12.
#include <optional>
#include <string>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn {

struct EmbeddingAttentionSeq2SeqOptions {
  CellPtr encoder_cell;  // none: the cell itself under the encoder scope (TF's deepcopy)
  std::int64_t num_heads = 1;
  std::optional<OutputProjection> output_projection;
  FeedPrevious feed_previous;
  std::optional<DType> dtype;
  std::string scope = "embedding_attention_seq2seq";
  bool initial_state_attention = false;
  // s2s extension (§11.6), off by default: exclude encoder positions whose id is pad_id from the
  // attention softmax. Off reproduces TF (PAD positions of the reversed, padded input attended).
  bool mask_padding = false;
  std::int32_t pad_id = 0;
};

RnnOutput embedding_attention_seq2seq(ParamStore& ps, const Ids& encoder_inputs, const Ids& decoder_inputs,
                                      const CellPtr& cell, std::int64_t num_encoder_symbols,
                                      std::int64_t num_decoder_symbols, std::int64_t embedding_size,
                                      const EmbeddingAttentionSeq2SeqOptions& options = {});

}  // namespace s2s::nn
