// Owns: GRUCell (spec §1.2).
#include "s2s/nn/gru_cell.h"

#include "s2s/autograd/ops.h"
#include "s2s/nn/linear.h"
#include "var_helpers.h"

namespace s2s::nn {

GRUCell::GRUCell(std::int64_t num_units, GRUCellOptions options) : num_units_(num_units), options_(options) {
  S2S_CHECK(num_units > 0, "GRUCell: num_units must be > 0, got ", num_units);
}

CellOutput GRUCell::operator()(ParamStore& ps, const Var& x, const State& state) {
  detail::check_step_input(x, "gru_cell");
  const Var& h = state.leaf();
  detail::check_state_leaf(h, x.dim(0), num_units_, "gru_cell");
  const std::int64_t n = num_units_;
  ag::VariableScope scope(ps, "gru_cell");
  Var r, u;
  {
    ag::VariableScope gates(ps, "gates");
    LinearOptions lo;
    lo.kernel_initializer = options_.kernel_initializer;
    lo.bias_initializer = options_.bias_initializer.value_or(ag::Initializer::constant(1.0));
    Var ru = ag::sigmoid(linear(ps, {x, h}, 2 * n, lo));
    r = ag::slice_columns(ru, 0, n);
    u = ag::slice_columns(ru, n, n);
  }
  Var c;
  {
    ag::VariableScope candidate(ps, "candidate");
    LinearOptions lo;
    lo.kernel_initializer = options_.kernel_initializer;
    lo.bias_initializer = options_.bias_initializer.value_or(ag::Initializer::zeros());
    c = apply_activation(options_.activation, linear(ps, {x, ag::mul(r, h)}, n, lo));
  }
  Var new_h = ag::add(ag::mul(u, h), ag::mul(detail::one_minus(u), c));
  return {new_h, State(new_h)};
}

}  // namespace s2s::nn
