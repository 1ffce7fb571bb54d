#pragma once
// Owns (private to nn/): the decoding loop shared by rnn_decoder and the embedding decoders, with
// lazily computed step inputs (TF feeds a generator of embedding lookups, so the lookups of steps
// replaced by the loop function are never evaluated).
#include <functional>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn::detail {

using InputAt = std::function<Var(std::int64_t t)>;

// rnn_decoder's body (§4.1) in scope `scope`: T steps, input_at(t) for step 0 and for every step
// without a loop function.
RnnOutput run_rnn_decoder(ParamStore& ps, std::int64_t steps, const InputAt& input_at, const State& initial_state,
                          RNNCell& cell, const LoopFunction& loop_function, const std::string& scope);

// TF's `ops.convert_to_tensor(...).get_shape().assert_is_compatible_with(...)` messages.
void check_projection_weights(const OutputProjection& p, std::int64_t num_symbols);
void check_projection_bias(const OutputProjection& p, std::int64_t num_symbols);

}  // namespace s2s::nn::detail
