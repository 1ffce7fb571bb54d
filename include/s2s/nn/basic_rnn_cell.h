#pragma once
// Owns: BasicRNNCell (spec §1.1): h' = act(concat(x, h) @ W + b); output = new state.
// Variables: basic_rnn_cell/kernel [in+n, n], basic_rnn_cell/bias [n] (zeros).
#include "s2s/nn/cell.h"

namespace s2s::nn {

class BasicRNNCell : public RNNCell {
 public:
  explicit BasicRNNCell(std::int64_t num_units, Activation activation = Activation::Tanh);
  std::int64_t output_size() const override { return num_units_; }
  StateSize state_size() const override { return num_units_; }
  CellOutput operator()(ParamStore& ps, const Var& x, const State& state) override;
  std::string_view name() const override { return "basic_rnn_cell"; }

 private:
  std::int64_t num_units_;
  Activation activation_;
};

}  // namespace s2s::nn
