// Owns: forward + backward of the ops in arith_ops.h, through the arith kernels (kernels/arith.h),
// so both run on the tensors' own device.
#include "s2s/autograd/arith_ops.h"

#include "s2s/kernels/tensor_ops.h"

namespace s2s::ag {
namespace {

bool records(const Var& a) { return active_tape() != nullptr && a.requires_grad(); }

}  // namespace

Var div(const Var& a, const Var& b) {
  S2S_CHECK(a.shape() == b.shape() && a.dtype() == b.dtype(), "div: shapes/dtypes differ: ",
            shape_str(a.shape()), " / ", shape_str(b.shape()));
  Var y(Tensor::empty(a.shape(), a.dtype(), a.device()));
  kern::div(y.mutable_value(), a.value(), b.value());
  if (records(a) || records(b)) {
    active_tape()->record(y, {a, b}, [a, b, yv = y.value()](const Tensor& dy) {
      // d(a/b)/da = 1/b ; d(a/b)/db = -(a/b)/b.
      kern::div_backward(a.requires_grad() ? &a.grad() : nullptr, b.requires_grad() ? &b.grad() : nullptr,
                         b.value(), yv, dy);
    });
  }
  return y;
}

Var transpose(const Var& x) {
  S2S_CHECK(x.ndim() == 2, "transpose: needs a 2-D tensor, got ", shape_str(x.shape()));
  Var y(Tensor::empty({x.dim(1), x.dim(0)}, x.dtype(), x.device()));
  kern::transpose(y.mutable_value(), x.value(), /*accumulate=*/false);
  if (records(x)) {
    active_tape()->record(y, {x}, [x](const Tensor& dy) { kern::transpose(x.grad(), dy, /*accumulate=*/true); });
  }
  return y;
}

}  // namespace s2s::ag
