#pragma once
// Owns: OutputProjectionWrapper (spec §1.7) and InputProjectionWrapper (§1.8).
//   output_projection_wrapper: (out, s') = cell(x, s); y = act?(out @ W + b); returns (y, s').
//     Inner cell in output_projection_wrapper/<cell>; kernel [cell out, k], bias [k] directly in
//     the wrapper scope.
//   input_projection_wrapper: x' = act?(x @ W + b); returns cell(x', s). kernel [in, num_proj],
//     bias [num_proj] in the wrapper scope; inner cell inside it.
#include <optional>

#include "s2s/nn/cell.h"

namespace s2s::nn {

class OutputProjectionWrapper : public RNNCell {
 public:
  // Errors: "The parameter cell is not RNNCell." (null), "Parameter output_size must be > 0: K."
  OutputProjectionWrapper(CellPtr cell, std::int64_t output_size,
                          std::optional<Activation> activation = std::nullopt);
  std::int64_t output_size() const override { return output_size_; }
  StateSize state_size() const override { return cell_->state_size(); }
  CellOutput operator()(ParamStore& ps, const Var& x, const State& state) override;
  std::string_view name() const override { return "output_projection_wrapper"; }

 private:
  CellPtr cell_;
  std::int64_t output_size_;
  std::optional<Activation> activation_;
};

class InputProjectionWrapper : public RNNCell {
 public:
  // As in TF, num_proj is not validated (only a null cell is an error).
  InputProjectionWrapper(CellPtr cell, std::int64_t num_proj,
                         std::optional<Activation> activation = std::nullopt);
  std::int64_t output_size() const override { return cell_->output_size(); }
  StateSize state_size() const override { return cell_->state_size(); }
  CellOutput operator()(ParamStore& ps, const Var& x, const State& state) override;
  std::string_view name() const override { return "input_projection_wrapper"; }

 private:
  CellPtr cell_;
  std::int64_t num_proj_;
  std::optional<Activation> activation_;
};

}  // namespace s2s::nn
