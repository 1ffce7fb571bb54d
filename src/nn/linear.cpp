// Owns: `linear` (spec §2).
#include "s2s/nn/linear.h"

#include "s2s/autograd/ops.h"

namespace s2s::nn {

ag::Var linear(ag::ParamStore& ps, const std::vector<ag::Var>& args, std::int64_t output_size,
               const LinearOptions& options) {
  S2S_CHECK(!args.empty(), "`args` must be specified");
  std::int64_t total = 0;
  for (const auto& a : args) {
    if (!a.defined() || a.ndim() != 2) {
      std::string shapes = "[";
      for (std::size_t i = 0; i < args.size(); ++i)
        shapes += (i ? ", " : "") + (args[i].defined() ? shape_str(args[i].shape()) : std::string("None"));
      S2S_FAIL("linear is expecting 2D arguments: ", shapes, "]");
    }
    total += a.dim(1);
  }
  const DType dtype = args[0].dtype();
  ag::Var w = ps.get_variable("kernel", {total, output_size}, options.kernel_initializer, dtype);
  ag::Var y = ag::matmul(args.size() == 1 ? args[0] : ag::concat(args), w);
  if (!options.bias) return y;
  ag::Var b = ps.get_variable("bias", {output_size},
                              options.bias_initializer.value_or(ag::Initializer::constant(options.bias_start)), dtype);
  return ag::add_bias(y, b);
}

}  // namespace s2s::nn
