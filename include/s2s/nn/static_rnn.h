#pragma once
// Owns: static_rnn (spec §3): runs `cell` over T inputs in scope `rnn` (reusing variables for
// t > 0) from initial_state or cell.zero_state(B, dtype); returns all outputs and the final state.
// Errors (TF's text): "cell must be an instance of RNNCell" (null), "inputs must not be empty",
// "If no initial_state is provided, dtype must be specified"; inputs must agree in shape.
#include <optional>
#include <string>
#include <vector>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn {

struct StaticRnnOptions {
  std::optional<State> initial_state;
  std::optional<DType> dtype;
  std::string scope = "rnn";
};

// inputs: float [B, in] per step, or int32 ids [B] (as constant Vars) for an EmbeddingWrapper.
RnnOutput static_rnn(ParamStore& ps, const CellPtr& cell, const std::vector<Var>& inputs,
                     const StaticRnnOptions& options = {});

// Wraps int32 id tensors as constant Vars (the input form of static_rnn for embedding cells).
std::vector<Var> ids_as_vars(const Ids& ids);

}  // namespace s2s::nn
