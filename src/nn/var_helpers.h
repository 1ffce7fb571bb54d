#pragma once
// Owns (private to nn/): small compositions of autograd ops used by several cells and decoders.
#include <optional>
#include <string>

#include "s2s/autograd/ops.h"
#include "s2s/autograd/param_store.h"

namespace s2s::nn::detail {

// v [C] -> [R, C] with every row equal to v (differentiable; a [R,1]@[1,C] product, so it runs on
// every backend).
inline ag::Var broadcast_rows(const ag::Var& v, std::int64_t rows) {
  ag::Var ones = ag::constant(Tensor::full({rows, 1}, v.dtype(), 1.0).to(v.device()));
  return ag::matmul(ones, ag::reshape(v, {1, v.dim(0)}));
}

// 1 − x.
inline ag::Var one_minus(const ag::Var& x) { return ag::add_scalar(ag::scale(x, -1.0), 1.0); }

// A constant of shape `shape` filled with `value`, on `device`.
inline ag::Var filled(const Shape& shape, DType dtype, Device device, double value) {
  return ag::constant(Tensor::full(shape, dtype, value).to(device));
}

// RAII: turns reuse on for the rest of the enclosing scope once engaged (TF's
// get_variable_scope().reuse_variables()).
class ReuseAfterFirst {
 public:
  explicit ReuseAfterFirst(ag::ParamStore& ps) : ps_(ps) {}
  void engage() {
    if (!scope_) scope_.emplace(ps_, "", ag::Reuse::Yes);
  }

 private:
  ag::ParamStore& ps_;
  std::optional<ag::VariableScope> scope_;
};

}  // namespace s2s::nn::detail
