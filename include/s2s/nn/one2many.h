#pragma once
// Owns: one2many_rnn_seq2seq (§4.10, late signature enc_cell + dec_cells_dict, plus the early
// one-cell form). One encoder, one embedding_rnn_decoder per named decoder, each in scope
// one2many_decoder_<name> with its own embedding, cell and OutputProjectionWrapper(V_name).
// Errors (TF's text): "enc_cell is not an RNNCell: …", "keys of dec_cells_dict != keys of
// decodre_inputs_dict" [sic], "dec_cell is not an RNNCell: …", a missing
// num_decoder_symbols_dict key (KeyError in TF).
#include <map>
#include <optional>
#include <string>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn {

struct One2ManyOptions {
  FeedPrevious feed_previous;  // both forms keep update_embedding_for_previous = true (§4.0)
  std::optional<DType> dtype;
  std::string scope = "one2many_rnn_seq2seq";
};

struct One2ManyOutput {
  std::map<std::string, std::vector<Var>> outputs;  // name -> [B, V_name] per step
  std::map<std::string, State> states;
};

One2ManyOutput one2many_rnn_seq2seq(ParamStore& ps, const Ids& encoder_inputs,
                                    const std::map<std::string, Ids>& decoder_inputs,
                                    const CellPtr& enc_cell, const std::map<std::string, CellPtr>& dec_cells,
                                    std::int64_t num_encoder_symbols,
                                    const std::map<std::string, std::int64_t>& num_decoder_symbols,
                                    std::int64_t embedding_size, const One2ManyOptions& options = {});

// Early (TF 1.0) form: one cell for the encoder and every decoder (parameters separated by scope).
One2ManyOutput one2many_rnn_seq2seq(ParamStore& ps, const Ids& encoder_inputs,
                                    const std::map<std::string, Ids>& decoder_inputs, const CellPtr& cell,
                                    std::int64_t num_encoder_symbols,
                                    const std::map<std::string, std::int64_t>& num_decoder_symbols,
                                    std::int64_t embedding_size, const One2ManyOptions& options = {});

}  // namespace s2s::nn
