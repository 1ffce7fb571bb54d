// Owns: OutputProjectionWrapper (spec §1.7) and InputProjectionWrapper (§1.8).
#include "s2s/nn/projection_wrappers.h"

#include "s2s/nn/linear.h"

namespace s2s::nn {

OutputProjectionWrapper::OutputProjectionWrapper(CellPtr cell, std::int64_t output_size,
                                                 std::optional<Activation> activation)
    : cell_(std::move(cell)), output_size_(output_size), activation_(activation) {
  S2S_CHECK(cell_ != nullptr, "The parameter cell is not RNNCell.");
  S2S_CHECK(output_size_ >= 1, "Parameter output_size must be > 0: ", output_size_, ".");
}

CellOutput OutputProjectionWrapper::operator()(ParamStore& ps, const Var& x, const State& state) {
  ag::VariableScope scope(ps, "output_projection_wrapper");
  CellOutput inner = (*cell_)(ps, x, state);
  Var y = linear(ps, {inner.output}, output_size_);
  if (activation_) y = apply_activation(*activation_, y);
  return {y, std::move(inner.state)};
}

InputProjectionWrapper::InputProjectionWrapper(CellPtr cell, std::int64_t num_proj,
                                               std::optional<Activation> activation)
    : cell_(std::move(cell)), num_proj_(num_proj), activation_(activation) {
  S2S_CHECK(cell_ != nullptr, "The parameter cell is not RNNCell.");
}

CellOutput InputProjectionWrapper::operator()(ParamStore& ps, const Var& x, const State& state) {
  detail::check_step_input(x, "input_projection_wrapper");
  ag::VariableScope scope(ps, "input_projection_wrapper");
  Var projected = linear(ps, {x}, num_proj_);
  if (activation_) projected = apply_activation(*activation_, projected);
  return (*cell_)(ps, projected, state);
}

}  // namespace s2s::nn
