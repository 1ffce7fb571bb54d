#pragma once
// Owns: BasicLSTMCell (spec §1.3). z = concat(x, h) @ W + b split into i, j, f, o;
// c' = c ⊙ σ(f + forget_bias) + σ(i) ⊙ act(j); h' = act(c') ⊙ σ(o); returns (h', (c', h')).
// Variables: basic_lstm_cell/kernel [in+n, 4n], basic_lstm_cell/bias [4n] (zeros; forget_bias is
// added at run time). state_is_tuple=false: the state is one [B, 2n] tensor concat(c, h).
#include "s2s/nn/cell.h"

namespace s2s::nn {

struct BasicLSTMCellOptions {
  double forget_bias = 1.0;
  bool state_is_tuple = true;
  Activation activation = Activation::Tanh;
};

class BasicLSTMCell : public RNNCell {
 public:
  explicit BasicLSTMCell(std::int64_t num_units, BasicLSTMCellOptions options = {});
  std::int64_t output_size() const override { return num_units_; }
  StateSize state_size() const override;
  CellOutput operator()(ParamStore& ps, const Var& x, const State& state) override;
  std::string_view name() const override { return "basic_lstm_cell"; }

 private:
  std::int64_t num_units_;
  BasicLSTMCellOptions options_;
};

}  // namespace s2s::nn
