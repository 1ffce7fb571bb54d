// Owns: BasicRNNCell (spec §1.1).
#include "s2s/nn/basic_rnn_cell.h"

#include "s2s/nn/linear.h"

namespace s2s::nn {

BasicRNNCell::BasicRNNCell(std::int64_t num_units, Activation activation)
    : num_units_(num_units), activation_(activation) {
  S2S_CHECK(num_units > 0, "BasicRNNCell: num_units must be > 0, got ", num_units);
}

CellOutput BasicRNNCell::operator()(ParamStore& ps, const Var& x, const State& state) {
  detail::check_step_input(x, "basic_rnn_cell");
  const Var& h = state.leaf();
  detail::check_state_leaf(h, x.dim(0), num_units_, "basic_rnn_cell");
  ag::VariableScope scope(ps, "basic_rnn_cell");
  Var out = apply_activation(activation_, linear(ps, {x, h}, num_units_));
  return {out, State(out)};
}

}  // namespace s2s::nn
