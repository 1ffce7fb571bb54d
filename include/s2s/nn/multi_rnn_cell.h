#pragma once
// Owns: MultiRNNCell (spec §1.5): layer i runs in scope multi_rnn_cell/cell_<i> on the previous
// layer's output; the state is the tuple of layer states (or, with state_is_tuple=false, their
// concatenation along axis 1, allowed only when no layer has a tuple state).
// Errors (TF's ValueError text): "Must specify at least one cell for MultiRNNCell.",
// "Some cells return tuples of states, but the flag state_is_tuple is not set. State sizes are: …",
// "Expected state to be a tuple of length N, but received: …".
#include <vector>

#include "s2s/nn/cell.h"

namespace s2s::nn {

class MultiRNNCell : public RNNCell {
 public:
  explicit MultiRNNCell(std::vector<CellPtr> cells, bool state_is_tuple = true);
  std::int64_t output_size() const override { return cells_.back()->output_size(); }
  StateSize state_size() const override;
  CellOutput operator()(ParamStore& ps, const Var& x, const State& state) override;
  std::string_view name() const override { return "multi_rnn_cell"; }
  const std::vector<CellPtr>& cells() const { return cells_; }

 private:
  std::vector<CellPtr> cells_;
  bool state_is_tuple_;
};

}  // namespace s2s::nn
