#pragma once
// Owns: GRUCell (spec §1.2).
//   [r | u] = σ(concat(x, h) @ W_g + b_g)       gru_cell/gates/{kernel [in+n, 2n], bias [2n] = 1.0}
//   c = act(concat(x, r ⊙ h) @ W_c + b_c)       gru_cell/candidate/{kernel [in+n, n], bias [n] = 0}
//   h' = u ⊙ h + (1 − u) ⊙ c                   returns (h', h')
#include <optional>

#include "s2s/autograd/initializers.h"
#include "s2s/nn/cell.h"

namespace s2s::nn {

struct GRUCellOptions {
  Activation activation = Activation::Tanh;
  std::optional<ag::Initializer> kernel_initializer;  // none: the scope's, else glorot
  std::optional<ag::Initializer> bias_initializer;    // none: gates 1.0, candidate 0.0
};

class GRUCell : public RNNCell {
 public:
  explicit GRUCell(std::int64_t num_units, GRUCellOptions options = {});
  std::int64_t output_size() const override { return num_units_; }
  StateSize state_size() const override { return num_units_; }
  CellOutput operator()(ParamStore& ps, const Var& x, const State& state) override;
  std::string_view name() const override { return "gru_cell"; }

 private:
  std::int64_t num_units_;
  GRUCellOptions options_;
};

}  // namespace s2s::nn
