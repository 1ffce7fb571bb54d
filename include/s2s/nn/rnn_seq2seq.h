#pragma once
// Owns: rnn_decoder (§4.1), basic_rnn_seq2seq (§4.2) and tied_rnn_seq2seq (§4.3).
// Names (§13.2): rnn_decoder/<cell>; basic_rnn_seq2seq/{rnn,rnn_decoder}/<cell> (separate
// encoder and decoder parameters); combined_tied_rnn_seq2seq/tied_rnn_seq2seq/<cell> (shared).
#include <string>
#include <vector>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn {

struct RnnDecoderOptions {
  LoopFunction loop_function;  // empty: always feed decoder_inputs[i]
  std::string scope = "rnn_decoder";
};
// No validation, as TF: empty inputs give ({}, initial_state).
RnnOutput rnn_decoder(ParamStore& ps, const std::vector<Var>& decoder_inputs, const State& initial_state,
                      const CellPtr& cell, const RnnDecoderOptions& options = {});

struct BasicRnnSeq2SeqOptions {
  DType dtype = DType::F32;  // the zero initial state's dtype only
  std::string scope = "basic_rnn_seq2seq";
};
RnnOutput basic_rnn_seq2seq(ParamStore& ps, const std::vector<Var>& encoder_inputs,
                            const std::vector<Var>& decoder_inputs, const CellPtr& cell,
                            const BasicRnnSeq2SeqOptions& options = {});

struct TiedRnnSeq2SeqOptions {
  LoopFunction loop_function;
  DType dtype = DType::F32;
  std::string scope = "tied_rnn_seq2seq";  // inner scope, under combined_tied_rnn_seq2seq
};
RnnOutput tied_rnn_seq2seq(ParamStore& ps, const std::vector<Var>& encoder_inputs,
                           const std::vector<Var>& decoder_inputs, const CellPtr& cell,
                           const TiedRnnSeq2SeqOptions& options = {});

}  // namespace s2s::nn
