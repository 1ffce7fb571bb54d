#pragma once
// Owns: LSTMCell (spec §1.4): peepholes, cell_clip, num_proj, proj_clip.
// State (c [n], m [p]) with p = num_proj or n; output m [p].
// Variables (scope lstm_cell): kernel [in+p, 4n], bias [4n] (zeros); w_f_diag, w_i_diag,
// w_o_diag [n] with peepholes; projection/kernel [n, p] with num_proj (no bias).
#include <optional>

#include "s2s/autograd/initializers.h"
#include "s2s/nn/cell.h"

namespace s2s::nn {

struct LSTMCellOptions {
  bool use_peepholes = false;
  std::optional<double> cell_clip;
  std::optional<ag::Initializer> initializer;  // kernel, peepholes and projection
  std::optional<std::int64_t> num_proj;
  std::optional<double> proj_clip;
  double forget_bias = 1.0;
  bool state_is_tuple = true;
  Activation activation = Activation::Tanh;
};

class LSTMCell : public RNNCell {
 public:
  explicit LSTMCell(std::int64_t num_units, LSTMCellOptions options = {});
  std::int64_t output_size() const override { return proj_size(); }
  StateSize state_size() const override;
  CellOutput operator()(ParamStore& ps, const Var& x, const State& state) override;
  std::string_view name() const override { return "lstm_cell"; }

 private:
  std::int64_t proj_size() const { return options_.num_proj.value_or(num_units_); }
  std::int64_t num_units_;
  LSTMCellOptions options_;
};

}  // namespace s2s::nn
