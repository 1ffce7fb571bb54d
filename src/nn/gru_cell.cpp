// Owns: GRUCell (spec §1.2). With tanh (the default) the elementwise work runs in the fused ops of
// autograd/rnn_ops.h; other activations use the unfused composition.
#include "s2s/nn/gru_cell.h"

#include "s2s/autograd/ops.h"
#include "s2s/autograd/rnn_ops.h"
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
  LinearOptions gates_options, candidate_options;
  gates_options.kernel_initializer = candidate_options.kernel_initializer = options_.kernel_initializer;
  gates_options.bias_initializer = options_.bias_initializer.value_or(ag::Initializer::constant(1.0));
  candidate_options.bias_initializer = options_.bias_initializer.value_or(ag::Initializer::zeros());
  auto gates_linear = [&](const std::vector<Var>& args, std::int64_t size) {
    ag::VariableScope gates(ps, "gates");
    return linear(ps, args, size, gates_options);
  };
  auto candidate_linear = [&](const std::vector<Var>& args) {
    ag::VariableScope candidate(ps, "candidate");
    return linear(ps, args, n, candidate_options);
  };
  if (options_.activation == Activation::Tanh) {
    // The fused kernels (rnn_ops.h): σ and r ⊙ h in one op, tanh and the state update in another.
    Var zg = gates_linear({x, h}, 2 * n);
    ag::GruGates g = ag::gru_gates(zg, h);
    Var new_h = ag::gru_output(zg, g, candidate_linear({x, g.rh}), h);
    return {new_h, State(new_h)};
  }
  Var ru = ag::sigmoid(gates_linear({x, h}, 2 * n));
  Var r = ag::slice_columns(ru, 0, n), u = ag::slice_columns(ru, n, n);
  Var c = apply_activation(options_.activation, candidate_linear({x, ag::mul(r, h)}));
  Var new_h = ag::add(ag::mul(u, h), ag::mul(detail::one_minus(u), c));
  return {new_h, State(new_h)};
}

}  // namespace s2s::nn
