#pragma once
// Owns: `linear` (TF's `_linear` / `_Linear`, spec §2): concat(args) @ W (+ b), with W
// [Σk_i, output_size] named `kernel` and b [output_size] named `bias`, created in the *current*
// variable scope (no sub-scope). W takes the default initialiser (glorot, or the scope's); b
// starts at `bias_start` unless `bias_initializer` is given. The weight dtype is args[0]'s.
#include <cstdint>
#include <optional>
#include <vector>

#include "s2s/autograd/initializers.h"
#include "s2s/autograd/param_store.h"

namespace s2s::nn {

struct LinearOptions {
  bool bias = true;
  double bias_start = 0.0;
  std::optional<ag::Initializer> kernel_initializer;  // none: the scope's, else glorot_uniform
  std::optional<ag::Initializer> bias_initializer;    // none: constant(bias_start)
};

// args: non-empty, each [B, k_i]. Errors (ValueError in TF): "`args` must be specified",
// "linear is expecting 2D arguments: <shapes>".
ag::Var linear(ag::ParamStore& ps, const std::vector<ag::Var>& args, std::int64_t output_size,
               const LinearOptions& options = {});

}  // namespace s2s::nn
