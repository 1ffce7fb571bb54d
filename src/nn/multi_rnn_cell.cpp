// Owns: MultiRNNCell (spec §1.5).
#include "s2s/nn/multi_rnn_cell.h"

#include "s2s/autograd/ops.h"

namespace s2s::nn {

MultiRNNCell::MultiRNNCell(std::vector<CellPtr> cells, bool state_is_tuple)
    : cells_(std::move(cells)), state_is_tuple_(state_is_tuple) {
  S2S_CHECK(!cells_.empty(), "Must specify at least one cell for MultiRNNCell.");
  for (std::size_t i = 0; i < cells_.size(); ++i)
    S2S_CHECK(cells_[i] != nullptr, "cells must be a list or tuple of RNNCells (cell ", i, " is None)");
  if (!state_is_tuple_) {
    bool any_tuple = false;
    std::string sizes = "[";
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      StateSize s = cells_[i]->state_size();
      any_tuple = any_tuple || s.is_tuple();
      sizes += (i ? ", " : "") + to_string(s);
    }
    S2S_CHECK(!any_tuple, "Some cells return tuples of states, but the flag state_is_tuple is not set.  State sizes are: ",
              sizes, "]");
  }
}

StateSize MultiRNNCell::state_size() const {
  if (!state_is_tuple_) {
    std::int64_t total = 0;
    for (const auto& c : cells_) total += c->state_size().leaf();
    return total;
  }
  std::vector<StateSize> sizes;
  for (const auto& c : cells_) sizes.push_back(c->state_size());
  return StateSize::tuple(std::move(sizes));
}

CellOutput MultiRNNCell::operator()(ParamStore& ps, const Var& x, const State& state) {
  if (state_is_tuple_) {
    S2S_CHECK(state.is_tuple() && !state.is_lstm_tuple() && state.size() == cells_.size(),
              "Expected state to be a tuple of length ", cells_.size(), ", but received: ", describe(state));
  } else {
    S2S_CHECK(state.is_leaf(), "multi_rnn_cell (state_is_tuple=false): expected one state tensor, got ",
              describe(state));
  }
  ag::VariableScope scope(ps, "multi_rnn_cell");
  Var cur = x;
  std::vector<State> new_states;
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    ag::VariableScope layer(ps, "cell_" + std::to_string(i));
    State cur_state;
    if (state_is_tuple_) {
      cur_state = state[i];
    } else {
      const std::int64_t width = cells_[i]->state_size().leaf();
      cur_state = State(ag::slice_columns(state.leaf(), pos, width));
      pos += width;
    }
    CellOutput out = (*cells_[i])(ps, cur, cur_state);
    cur = out.output;
    new_states.push_back(std::move(out.state));
  }
  if (state_is_tuple_) return {cur, State::tuple(std::move(new_states))};
  std::vector<Var> parts;
  for (const auto& s : new_states) parts.push_back(s.leaf());
  return {cur, State(ag::concat(parts))};
}

}  // namespace s2s::nn
