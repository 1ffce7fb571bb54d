#pragma once
// Owns (private to nn/): small compositions of autograd ops used by several cells and decoders.
#include <optional>
#include <string>

#include "s2s/autograd/ops.h"
#include "s2s/autograd/param_store.h"
#include "s2s/kernels/fill.h"

namespace s2s::nn::detail {

// A constant of shape `shape` filled with `value`, on `device` (filled there: no upload).
inline ag::Var filled(const Shape& shape, DType dtype, Device device, double value) {
  Tensor t = Tensor::empty(shape, dtype, device);
  kern::fill(t, value);
  return ag::constant(t);
}

// v [C] -> [R, C] with every row equal to v (differentiable: the bias add onto zeros, whose
// backward is the column sum; exact under any matmul precision).
inline ag::Var broadcast_rows(const ag::Var& v, std::int64_t rows) {
  return ag::add_bias(filled({rows, v.dim(0)}, v.dtype(), v.device(), 0.0), v);
}

// 1 − x.
inline ag::Var one_minus(const ag::Var& x) { return ag::add_scalar(ag::scale(x, -1.0), 1.0); }

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
