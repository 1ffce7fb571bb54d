// Owns: the shared parts of the cell interface (activations, zero_state, argument checks).
#include "s2s/nn/cell.h"

#include "s2s/autograd/ops.h"

namespace s2s::nn {

Var apply_activation(Activation f, const Var& x) {
  switch (f) {
    case Activation::Tanh: return ag::tanh(x);
    case Activation::Sigmoid: return ag::sigmoid(x);
    case Activation::Relu: return ag::relu(x);
    case Activation::Identity: return x;
  }
  return x;
}

Activation activation_from_name(std::string_view name) {
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "relu") return Activation::Relu;
  if (name == "identity" || name == "linear") return Activation::Identity;
  S2S_FAIL("unknown activation '", name, "' (expected tanh, sigmoid, relu or identity)");
}

std::string_view activation_name(Activation f) {
  switch (f) {
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Relu: return "relu";
    case Activation::Identity: return "identity";
  }
  return "?";
}

State RNNCell::zero_state(std::int64_t batch, DType dtype, Device device) const {
  return state_size().map([&](std::int64_t n) { return ag::constant(Tensor::zeros({batch, n}, dtype, device)); });
}

namespace detail {

void check_step_input(const Var& x, std::string_view what) {
  S2S_CHECK(x.defined(), what, ": undefined input");
  S2S_CHECK(x.ndim() == 2 && is_floating(x.dtype()), what, ": the input must be a float [B, in] matrix, got ",
            dtype_name(x.dtype()), " ", shape_str(x.shape()));
}

void check_state_leaf(const Var& s, std::int64_t batch, std::int64_t n, std::string_view what) {
  S2S_CHECK(s.defined() && s.ndim() == 2 && s.dim(0) == batch && s.dim(1) == n, what, ": state must be [",
            batch, ", ", n, "], got ", s.defined() ? shape_str(s.shape()) : std::string("<undefined>"));
}

}  // namespace detail
}  // namespace s2s::nn
