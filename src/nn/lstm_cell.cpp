// Owns: LSTMCell (spec §1.4).
#include "s2s/nn/lstm_cell.h"

#include "s2s/autograd/ops.h"
#include "var_helpers.h"

namespace s2s::nn {

LSTMCell::LSTMCell(std::int64_t num_units, LSTMCellOptions options) : num_units_(num_units), options_(options) {
  S2S_CHECK(num_units > 0, "LSTMCell: num_units must be > 0, got ", num_units);
  S2S_CHECK(!options.num_proj || *options.num_proj > 0, "LSTMCell: num_proj must be > 0, got ",
            options.num_proj.value_or(0));
}

StateSize LSTMCell::state_size() const {
  if (options_.state_is_tuple) return StateSize::lstm(num_units_, proj_size());
  return num_units_ + proj_size();
}

CellOutput LSTMCell::operator()(ParamStore& ps, const Var& x, const State& state) {
  detail::check_step_input(x, "lstm_cell");
  const std::int64_t n = num_units_, p = proj_size(), batch = x.dim(0);
  Var c_prev, m_prev;
  if (options_.state_is_tuple) {
    S2S_CHECK(state.is_tuple() && state.size() == 2, "lstm_cell: expected an LSTMStateTuple (c, m), got ",
              describe(state));
    c_prev = state[0].leaf();
    m_prev = state[1].leaf();
  } else {
    detail::check_state_leaf(state.leaf(), batch, n + p, "lstm_cell");
    c_prev = ag::slice_columns(state.leaf(), 0, n);
    m_prev = ag::slice_columns(state.leaf(), n, p);
  }
  detail::check_state_leaf(c_prev, batch, n, "lstm_cell (c)");
  detail::check_state_leaf(m_prev, batch, p, "lstm_cell (m)");
  const DType dt = x.dtype();
  const auto& init = options_.initializer;
  ag::VariableScope scope(ps, "lstm_cell");
  Var kernel = ps.get_variable("kernel", {x.dim(1) + p, 4 * n}, init, dt);
  Var bias = ps.get_variable("bias", {4 * n}, ag::Initializer::zeros(), dt);
  Var z = ag::add_bias(ag::matmul(ag::concat({x, m_prev}), kernel), bias);
  auto g = ag::split(z, {n, n, n, n});  // i, j, f, o
  const Activation act = options_.activation;
  Var w_f, w_i, w_o;
  if (options_.use_peepholes) {
    w_f = detail::broadcast_rows(ps.get_variable("w_f_diag", {n}, init, dt), batch);
    w_i = detail::broadcast_rows(ps.get_variable("w_i_diag", {n}, init, dt), batch);
    w_o = detail::broadcast_rows(ps.get_variable("w_o_diag", {n}, init, dt), batch);
  }
  Var f_in = ag::add_scalar(g[2], options_.forget_bias);
  Var i_in = g[0];
  if (options_.use_peepholes) {
    f_in = ag::add(f_in, ag::mul(w_f, c_prev));
    i_in = ag::add(i_in, ag::mul(w_i, c_prev));
  }
  Var c = ag::add(ag::mul(ag::sigmoid(f_in), c_prev), ag::mul(ag::sigmoid(i_in), apply_activation(act, g[1])));
  if (options_.cell_clip) c = ag::clip(c, -*options_.cell_clip, *options_.cell_clip);
  Var o_in = options_.use_peepholes ? ag::add(g[3], ag::mul(w_o, c)) : g[3];
  Var m = ag::mul(ag::sigmoid(o_in), apply_activation(act, c));
  if (options_.num_proj) {
    Var proj;
    {
      ag::VariableScope projection(ps, "projection");
      proj = ps.get_variable("kernel", {n, p}, init, dt);
    }
    m = ag::matmul(m, proj);
    if (options_.proj_clip) m = ag::clip(m, -*options_.proj_clip, *options_.proj_clip);
  }
  State new_state = options_.state_is_tuple ? State::lstm(c, m) : State(ag::concat({c, m}));
  return {m, new_state};
}

}  // namespace s2s::nn
