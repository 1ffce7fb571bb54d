// Owns: rnn_decoder (§4.1), basic_rnn_seq2seq (§4.2), tied_rnn_seq2seq (§4.3) and the shared
// decoding loop.
#include "s2s/nn/rnn_seq2seq.h"

#include "decoder_loop.h"
#include "s2s/nn/static_rnn.h"
#include "var_helpers.h"

namespace s2s::nn {
namespace detail {

RnnOutput run_rnn_decoder(ParamStore& ps, std::int64_t steps, const InputAt& input_at, const State& initial_state,
                          RNNCell& cell, const LoopFunction& loop_function, const std::string& scope) {
  ag::VariableScope outer(ps, scope);
  ReuseAfterFirst reuse(ps);
  RnnOutput out;
  out.outputs.reserve(static_cast<std::size_t>(steps));
  State state = initial_state;
  Var prev;
  for (std::int64_t i = 0; i < steps; ++i) {
    Var inp;
    if (loop_function && prev.defined()) {
      ag::VariableScope loop_scope(ps, "loop_function", ag::Reuse::Yes);
      inp = loop_function(prev, i);
    } else {
      inp = input_at(i);
    }
    if (i > 0) reuse.engage();
    CellOutput step = cell(ps, inp, state);
    out.outputs.push_back(step.output);
    state = std::move(step.state);
    if (loop_function) prev = step.output;
  }
  out.state = std::move(state);
  return out;
}

void check_projection_weights(const OutputProjection& p, std::int64_t num_symbols) {
  S2S_CHECK(p.w.defined() && p.w.ndim() == 2 && p.num_symbols() == num_symbols, "Shapes ",
            p.w.defined() ? shape_str(p.w.shape()) : std::string("None"), " and [?, ", num_symbols,
            "] are incompatible (output_projection weights must be [output size, num_symbols]",
            p.transposed ? ", held transposed" : "", ")");
  check_projection_bias(p, num_symbols);
}

void check_projection_bias(const OutputProjection& p, std::int64_t num_symbols) {
  S2S_CHECK(p.b.defined() && p.b.ndim() == 1 && p.b.dim(0) == num_symbols, "Shapes ",
            p.b.defined() ? shape_str(p.b.shape()) : std::string("None"), " and [", num_symbols,
            "] are incompatible (output_projection biases must be [num_symbols])");
}

}  // namespace detail

RnnOutput rnn_decoder(ParamStore& ps, const std::vector<Var>& decoder_inputs, const State& initial_state,
                      const CellPtr& cell, const RnnDecoderOptions& options) {
  S2S_CHECK(cell != nullptr, "rnn_decoder: cell must be an RNNCell");
  return detail::run_rnn_decoder(
      ps, static_cast<std::int64_t>(decoder_inputs.size()), [&](std::int64_t t) { return decoder_inputs[t]; },
      initial_state, *cell, options.loop_function, options.scope);
}

RnnOutput basic_rnn_seq2seq(ParamStore& ps, const std::vector<Var>& encoder_inputs,
                            const std::vector<Var>& decoder_inputs, const CellPtr& cell,
                            const BasicRnnSeq2SeqOptions& options) {
  ag::VariableScope scope(ps, options.scope);
  StaticRnnOptions enc;
  enc.dtype = options.dtype;
  // TF runs a deepcopy of the cell here: the same cell under `rnn/` has its own variables.
  RnnOutput encoded = static_rnn(ps, cell, encoder_inputs, enc);
  return rnn_decoder(ps, decoder_inputs, encoded.state, cell);
}

RnnOutput tied_rnn_seq2seq(ParamStore& ps, const std::vector<Var>& encoder_inputs,
                           const std::vector<Var>& decoder_inputs, const CellPtr& cell,
                           const TiedRnnSeq2SeqOptions& options) {
  ag::VariableScope combined(ps, "combined_tied_rnn_seq2seq");
  StaticRnnOptions enc;
  enc.dtype = options.dtype;
  enc.scope = options.scope;
  RnnOutput encoded = static_rnn(ps, cell, encoder_inputs, enc);
  ag::VariableScope reuse(ps, "", ag::Reuse::Yes);  // get_variable_scope().reuse_variables()
  RnnDecoderOptions dec;
  dec.loop_function = options.loop_function;
  dec.scope = options.scope;
  return rnn_decoder(ps, decoder_inputs, encoded.state, cell, dec);
}

}  // namespace s2s::nn
