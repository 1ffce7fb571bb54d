#pragma once
// Owns: a conformance fixture in memory (shared/spec/conformance.md, format version 1): root
// attributes (function, dtype, kwargs JSON) and the arrays under /inputs, /params, /probe and
// /expected, keyed by their path relative to that group ("state/0", "gru_cell/gates/kernel").
// Reading goes through the io part's RAII HDF5 wrappers.
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "s2s/core/tensor.h"

namespace s2s::conformance {

struct Fixture {
  std::string path;         // the file
  std::string function;     // one of the 13 names, a cell name, "static_rnn", "linear", ...
  std::string description;  // optional
  DType dtype = DType::F64;
  nlohmann::json kwargs;
  std::map<std::string, Tensor> inputs, params, probe, expected;  // expected includes grad/...
};

// Loads and validates the layout (format "s2s-conformance", version 1, dtype of every float
// array, /probe paths = /expected paths minus grad/). Errors name the file and the path.
Fixture load_fixture(const std::string& path);

}  // namespace s2s::conformance
