// Owns: static_rnn (spec §3).
#include "s2s/nn/static_rnn.h"

#include "var_helpers.h"

namespace s2s::nn {

std::vector<Var> ids_as_vars(const Ids& ids) {
  std::vector<Var> out;
  out.reserve(ids.size());
  for (const auto& t : ids) {
    S2S_CHECK(t.dtype() == DType::I32, "ids must be int32 tensors [B], got ", dtype_name(t.dtype()));
    out.push_back(ag::constant(t));
  }
  return out;
}

RnnOutput static_rnn(ParamStore& ps, const CellPtr& cell, const std::vector<Var>& inputs,
                     const StaticRnnOptions& options) {
  S2S_CHECK(cell != nullptr, "cell must be an instance of RNNCell");
  S2S_CHECK(!inputs.empty(), "inputs must not be empty");
  const Var& first = inputs[0];
  S2S_CHECK(first.defined() && first.ndim() >= 1, "static_rnn: inputs must have a batch dimension");
  for (std::size_t t = 1; t < inputs.size(); ++t)
    S2S_CHECK(inputs[t].defined() && inputs[t].shape() == first.shape(), "static_rnn: input ", t, " has shape ",
              inputs[t].defined() ? shape_str(inputs[t].shape()) : std::string("<undefined>"), ", input 0 has ",
              shape_str(first.shape()));
  State state;
  if (options.initial_state) {
    state = *options.initial_state;
  } else {
    S2S_CHECK(options.dtype.has_value(), "If no initial_state is provided, dtype must be specified");
    state = cell->zero_state(first.dim(0), *options.dtype, first.device());
  }
  ag::VariableScope scope(ps, options.scope);
  detail::ReuseAfterFirst reuse(ps);
  RnnOutput out;
  out.outputs.reserve(inputs.size());
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    if (t > 0) reuse.engage();
    CellOutput step = (*cell)(ps, inputs[t], state);
    out.outputs.push_back(std::move(step.output));
    state = std::move(step.state);
  }
  out.state = std::move(state);
  return out;
}

}  // namespace s2s::nn
