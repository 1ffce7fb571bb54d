#pragma once
// Owns: building a cell from a fixture's cell spec (conformance.md "kwargs"):
//   {"type": "gru"|"basic_rnn"|"basic_lstm"|"lstm", "num_units", "layers", "activation",
//    "wrappers": [...], LSTM keys: state_is_tuple, forget_bias, use_peepholes, cell_clip, num_proj,
//    proj_clip} or {"type": "multi_rnn", "cells": [spec, ...], "state_is_tuple", "wrappers"}.
// layers > 1 is a MultiRNNCell of identical, distinct cells; wrappers apply innermost first
// (output_projection, input_projection, embedding, dropout). Unknown keys are errors.
#include <nlohmann/json.hpp>

#include "s2s/nn/cell.h"

namespace s2s::conformance {

nn::CellPtr build_cell(const nlohmann::json& spec, const std::string& where);

}  // namespace s2s::conformance
