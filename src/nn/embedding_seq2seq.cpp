// Owns: embedding_rnn_decoder (§4.4), embedding_rnn_seq2seq (§4.5), embedding_tied_rnn_seq2seq
// (§4.6).
#include "s2s/nn/embedding_seq2seq.h"

#include "decoder_loop.h"
#include "s2s/autograd/ops.h"
#include "s2s/nn/embedding_wrapper.h"
#include "s2s/nn/projection_wrappers.h"
#include "s2s/nn/rnn_seq2seq.h"
#include "s2s/nn/static_rnn.h"
#include "seq2seq_encoders.h"

namespace s2s::nn {
namespace {

void check_ids(const Ids& ids, const char* what) {
  for (std::size_t t = 0; t < ids.size(); ++t)
    S2S_CHECK(ids[t].defined() && ids[t].dtype() == DType::I32, what, "[", t, "] must be int32 ids [B]");
}

}  // namespace

namespace detail {

State embedding_rnn_encode(ParamStore& ps, const Ids& encoder_inputs, const CellPtr& cell,
                           std::int64_t num_encoder_symbols, std::int64_t embedding_size) {
  // Encoder: TF wraps a deepcopy of the cell; here the same cell, whose variables live under rnn/.
  auto encoder_cell = std::make_shared<EmbeddingWrapper>(cell, num_encoder_symbols, embedding_size);
  StaticRnnOptions enc;
  enc.dtype = ps.current_dtype();
  return static_rnn(ps, encoder_cell, ids_as_vars(encoder_inputs), enc).state;
}

}  // namespace detail

RnnOutput embedding_rnn_decoder(ParamStore& ps, const Ids& decoder_inputs, const State& initial_state,
                                const CellPtr& cell, std::int64_t num_symbols, std::int64_t embedding_size,
                                const EmbeddingRnnDecoderOptions& options) {
  S2S_CHECK(cell != nullptr, "embedding_rnn_decoder: cell must be an RNNCell");
  check_ids(decoder_inputs, "decoder_inputs");
  ag::VariableScope scope(ps, options.scope);
  if (options.output_projection) detail::check_projection_weights(*options.output_projection, num_symbols);
  Var embedding = ps.get_variable("embedding", {num_symbols, embedding_size});
  LoopFunction loop;
  if (options.feed_previous)
    loop = extract_argmax_and_embed(embedding, options.output_projection, options.update_embedding_for_previous);
  return detail::run_rnn_decoder(
      ps, static_cast<std::int64_t>(decoder_inputs.size()),
      [&](std::int64_t t) { return ag::embedding_lookup(embedding, decoder_inputs[t]); }, initial_state, *cell, loop,
      "rnn_decoder");
}

RnnOutput embedding_rnn_seq2seq(ParamStore& ps, const Ids& encoder_inputs, const Ids& decoder_inputs,
                                const CellPtr& cell, std::int64_t num_encoder_symbols,
                                std::int64_t num_decoder_symbols, std::int64_t embedding_size,
                                const EmbeddingRnnSeq2SeqOptions& options) {
  S2S_CHECK(cell != nullptr, "embedding_rnn_seq2seq: cell must be an RNNCell");
  ag::VariableScope scope(ps, options.scope, std::nullopt, std::nullopt, options.dtype);
  const State encoded = detail::embedding_rnn_encode(ps, encoder_inputs, cell, num_encoder_symbols, embedding_size);

  CellPtr decoder_cell = cell;
  if (!options.output_projection)
    decoder_cell = std::make_shared<OutputProjectionWrapper>(cell, num_decoder_symbols);
  EmbeddingRnnDecoderOptions dec;
  dec.output_projection = options.output_projection;
  dec.feed_previous = options.feed_previous.value;
  // The Tensor form builds both branches with update_embedding_for_previous=False (§4.0).
  dec.update_embedding_for_previous = !options.feed_previous.is_tensor;
  return embedding_rnn_decoder(ps, decoder_inputs, encoded, decoder_cell, num_decoder_symbols,
                               embedding_size, dec);
}

RnnOutput embedding_tied_rnn_seq2seq(ParamStore& ps, const Ids& encoder_inputs, const Ids& decoder_inputs,
                                     const CellPtr& cell, std::int64_t num_symbols, std::int64_t embedding_size,
                                     const EmbeddingTiedRnnSeq2SeqOptions& options) {
  S2S_CHECK(cell != nullptr, "embedding_tied_rnn_seq2seq: cell must be an RNNCell");
  check_ids(encoder_inputs, "encoder_inputs");
  check_ids(decoder_inputs, "decoder_inputs");
  ag::VariableScope scope(ps, options.scope, std::nullopt, std::nullopt, options.dtype);
  const DType dtype = ps.current_dtype();
  if (options.output_projection) detail::check_projection_weights(*options.output_projection, num_symbols);
  Var embedding = ps.get_variable("embedding", {num_symbols, embedding_size});
  std::vector<Var> emb_enc, emb_dec;
  for (const auto& ids : encoder_inputs) emb_enc.push_back(ag::embedding_lookup(embedding, ids));
  const std::int64_t output_symbols = options.num_decoder_symbols.value_or(num_symbols);
  CellPtr tied_cell = cell;
  if (!options.output_projection) tied_cell = std::make_shared<OutputProjectionWrapper>(cell, output_symbols);
  TiedRnnSeq2SeqOptions tied;
  tied.dtype = dtype;
  if (options.feed_previous.value && !decoder_inputs.empty()) {
    tied.loop_function = extract_argmax_and_embed(embedding, options.output_projection,
                                                  /*update_embedding=*/!options.feed_previous.is_tensor);
    // Only decoder_inputs[0] is read; the others set the number of steps (their lookups are unused).
    emb_dec.push_back(ag::embedding_lookup(embedding, decoder_inputs.at(0)));
    for (std::size_t t = 1; t < decoder_inputs.size(); ++t) emb_dec.push_back(emb_dec[0]);
  } else {
    for (const auto& ids : decoder_inputs) emb_dec.push_back(ag::embedding_lookup(embedding, ids));
  }
  return tied_rnn_seq2seq(ps, emb_enc, emb_dec, tied_cell, tied);
}

}  // namespace s2s::nn
