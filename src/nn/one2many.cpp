// Owns: one2many_rnn_seq2seq (§4.10).
#include "s2s/nn/one2many.h"

#include "s2s/nn/embedding_seq2seq.h"
#include "s2s/nn/embedding_wrapper.h"
#include "s2s/nn/projection_wrappers.h"
#include "s2s/nn/static_rnn.h"

namespace s2s::nn {

One2ManyOutput one2many_rnn_seq2seq(ParamStore& ps, const Ids& encoder_inputs,
                                    const std::map<std::string, Ids>& decoder_inputs, const CellPtr& enc_cell,
                                    const std::map<std::string, CellPtr>& dec_cells,
                                    std::int64_t num_encoder_symbols,
                                    const std::map<std::string, std::int64_t>& num_decoder_symbols,
                                    std::int64_t embedding_size, const One2ManyOptions& options) {
  S2S_CHECK(enc_cell != nullptr, "enc_cell is not an RNNCell: None");
  bool same_keys = dec_cells.size() == decoder_inputs.size();
  for (const auto& [name, ids] : decoder_inputs) same_keys = same_keys && dec_cells.count(name) == 1;
  S2S_CHECK(same_keys, "keys of dec_cells_dict != keys of decodre_inputs_dict");
  for (const auto& [name, c] : dec_cells) S2S_CHECK(c != nullptr, "dec_cell is not an RNNCell: None (decoder '", name, "')");
  for (const auto& [name, ids] : decoder_inputs)
    S2S_CHECK(num_decoder_symbols.count(name) == 1, "KeyError: '", name, "' is missing from num_decoder_symbols_dict");

  ag::VariableScope scope(ps, options.scope, std::nullopt, std::nullopt, options.dtype);
  const DType dtype = ps.current_dtype();
  auto encoder = std::make_shared<EmbeddingWrapper>(enc_cell, num_encoder_symbols, embedding_size);
  StaticRnnOptions enc;
  enc.dtype = dtype;
  RnnOutput encoded = static_rnn(ps, encoder, ids_as_vars(encoder_inputs), enc);

  One2ManyOutput result;
  for (const auto& [name, ids] : decoder_inputs) {
    const std::int64_t symbols = num_decoder_symbols.at(name);
    ag::VariableScope dec_scope(ps, "one2many_decoder_" + name);
    auto dec_cell = std::make_shared<OutputProjectionWrapper>(dec_cells.at(name), symbols);
    EmbeddingRnnDecoderOptions dec;
    dec.feed_previous = options.feed_previous.value;
    dec.update_embedding_for_previous = true;  // both forms (§4.0)
    RnnOutput out = embedding_rnn_decoder(ps, ids, encoded.state, dec_cell, symbols, embedding_size, dec);
    result.outputs[name] = std::move(out.outputs);
    result.states[name] = std::move(out.state);
  }
  return result;
}

One2ManyOutput one2many_rnn_seq2seq(ParamStore& ps, const Ids& encoder_inputs,
                                    const std::map<std::string, Ids>& decoder_inputs, const CellPtr& cell,
                                    std::int64_t num_encoder_symbols,
                                    const std::map<std::string, std::int64_t>& num_decoder_symbols,
                                    std::int64_t embedding_size, const One2ManyOptions& options) {
  std::map<std::string, CellPtr> dec_cells;
  for (const auto& [name, ids] : decoder_inputs) dec_cells[name] = cell;
  return one2many_rnn_seq2seq(ps, encoder_inputs, decoder_inputs, cell, dec_cells, num_encoder_symbols,
                              num_decoder_symbols, embedding_size, options);
}

}  // namespace s2s::nn
