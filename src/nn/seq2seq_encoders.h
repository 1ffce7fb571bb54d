#pragma once
// Owns (private to nn/): the encoder halves of embedding_attention_seq2seq (§4.9) and
// embedding_rnn_seq2seq (§4.5), shared by those functions and by the incremental decoder
// (incremental_decoder.cpp), so that both encode with the same code. Called inside the seq2seq
// function's own scope (embedding_attention_seq2seq/, embedding_rnn_seq2seq/).
#include <optional>

#include "s2s/nn/embedding_attention_seq2seq.h"
#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn::detail {

struct AttentionEncoding {
  State state;                  // the final encoder state (the decoder's initial state)
  Var attention_states;         // [B, T_enc, cell.output_size]
  std::optional<Tensor> mask;   // [B, T_enc] padding mask when options.mask_padding
};
AttentionEncoding embedding_attention_encode(ParamStore& ps, const Ids& encoder_inputs, const CellPtr& cell,
                                             std::int64_t num_encoder_symbols, std::int64_t embedding_size,
                                             const EmbeddingAttentionSeq2SeqOptions& options);

// The final encoder state of embedding_rnn_seq2seq.
State embedding_rnn_encode(ParamStore& ps, const Ids& encoder_inputs, const CellPtr& cell,
                           std::int64_t num_encoder_symbols, std::int64_t embedding_size);

}  // namespace s2s::nn::detail
