#pragma once
// Owns: embedding_rnn_decoder (§4.4), embedding_rnn_seq2seq (§4.5) and
// embedding_tied_rnn_seq2seq (§4.6). Ids are int32 Tensors [B] per step.
// Names (§13.2):
//   embedding_rnn_decoder/embedding [V, E], embedding_rnn_decoder/rnn_decoder/<cell>
//   embedding_rnn_seq2seq/rnn/embedding_wrapper/{embedding [Ve, E], <cell>},
//     embedding_rnn_seq2seq/embedding_rnn_decoder/{embedding [Vd, E],
//     rnn_decoder/output_projection_wrapper/{<cell>, kernel, bias}} (no wrapper with a projection)
//   embedding_tied_rnn_seq2seq/embedding [V, E],
//     embedding_tied_rnn_seq2seq/combined_tied_rnn_seq2seq/tied_rnn_seq2seq/output_projection_wrapper/...
#include <optional>
#include <string>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn {

struct EmbeddingRnnDecoderOptions {
  std::optional<OutputProjection> output_projection;  // checked: W [?, V], b [V]
  bool feed_previous = false;
  bool update_embedding_for_previous = true;
  std::string scope = "embedding_rnn_decoder";
};
// Does not wrap the cell: outputs are [B, cell.output_size].
RnnOutput embedding_rnn_decoder(ParamStore& ps, const Ids& decoder_inputs, const State& initial_state,
                                const CellPtr& cell, std::int64_t num_symbols, std::int64_t embedding_size,
                                const EmbeddingRnnDecoderOptions& options = {});

struct EmbeddingRnnSeq2SeqOptions {
  std::optional<OutputProjection> output_projection;  // none: the decoder cell is wrapped (logits [B, Vd])
  FeedPrevious feed_previous;
  std::optional<DType> dtype;  // the scope dtype (default: the enclosing scope's)
  std::string scope = "embedding_rnn_seq2seq";
};
RnnOutput embedding_rnn_seq2seq(ParamStore& ps, const Ids& encoder_inputs, const Ids& decoder_inputs,
                                const CellPtr& cell, std::int64_t num_encoder_symbols,
                                std::int64_t num_decoder_symbols, std::int64_t embedding_size,
                                const EmbeddingRnnSeq2SeqOptions& options = {});

struct EmbeddingTiedRnnSeq2SeqOptions {
  std::optional<std::int64_t> num_decoder_symbols;    // output symbols; default num_symbols
  std::optional<OutputProjection> output_projection;  // checked against num_symbols (as TF)
  FeedPrevious feed_previous;
  std::optional<DType> dtype;
  std::string scope = "embedding_tied_rnn_seq2seq";
};
RnnOutput embedding_tied_rnn_seq2seq(ParamStore& ps, const Ids& encoder_inputs, const Ids& decoder_inputs,
                                     const CellPtr& cell, std::int64_t num_symbols,
                                     std::int64_t embedding_size,
                                     const EmbeddingTiedRnnSeq2SeqOptions& options = {});

}  // namespace s2s::nn
