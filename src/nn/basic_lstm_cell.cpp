// Owns: BasicLSTMCell (spec §1.3). With tanh (the default) the elementwise work is the fused op
// ag::basic_lstm_cell (autograd/rnn_ops.h); other activations use the unfused composition.
#include "s2s/nn/basic_lstm_cell.h"

#include "s2s/autograd/ops.h"
#include "s2s/autograd/rnn_ops.h"
#include "s2s/nn/linear.h"

namespace s2s::nn {

BasicLSTMCell::BasicLSTMCell(std::int64_t num_units, BasicLSTMCellOptions options)
    : num_units_(num_units), options_(options) {
  S2S_CHECK(num_units > 0, "BasicLSTMCell: num_units must be > 0, got ", num_units);
}

StateSize BasicLSTMCell::state_size() const {
  if (options_.state_is_tuple) return StateSize::lstm(num_units_, num_units_);
  return 2 * num_units_;
}

CellOutput BasicLSTMCell::operator()(ParamStore& ps, const Var& x, const State& state) {
  detail::check_step_input(x, "basic_lstm_cell");
  const std::int64_t n = num_units_, batch = x.dim(0);
  Var c, h;
  if (options_.state_is_tuple) {
    S2S_CHECK(state.is_tuple() && state.size() == 2, "basic_lstm_cell: expected an LSTMStateTuple (c, h), got ",
              describe(state));
    c = state[0].leaf();
    h = state[1].leaf();
  } else {
    detail::check_state_leaf(state.leaf(), batch, 2 * n, "basic_lstm_cell");
    c = ag::slice_columns(state.leaf(), 0, n);
    h = ag::slice_columns(state.leaf(), n, n);
  }
  detail::check_state_leaf(c, batch, n, "basic_lstm_cell (c)");
  detail::check_state_leaf(h, batch, n, "basic_lstm_cell (h)");
  ag::VariableScope scope(ps, "basic_lstm_cell");
  Var z = linear(ps, {x, h}, 4 * n);
  const Activation act = options_.activation;
  Var new_c, new_h;
  if (act == Activation::Tanh) {
    ag::LstmStep step = ag::basic_lstm_cell(z, c, options_.forget_bias);  // fused (rnn_ops.h)
    new_c = step.c;
    new_h = step.h;
  } else {
    auto g = ag::split(z, {n, n, n, n});  // i, j, f, o
    new_c = ag::add(ag::mul(c, ag::sigmoid(ag::add_scalar(g[2], options_.forget_bias))),
                    ag::mul(ag::sigmoid(g[0]), apply_activation(act, g[1])));
    new_h = ag::mul(apply_activation(act, new_c), ag::sigmoid(g[3]));
  }
  State new_state = options_.state_is_tuple ? State::lstm(new_c, new_h) : State(ag::concat({new_c, new_h}));
  return {new_h, new_state};
}

}  // namespace s2s::nn
