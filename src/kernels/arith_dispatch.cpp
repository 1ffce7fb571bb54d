// Owns: Tensor-level dispatch of the arith family (div, div_backward, transpose; tensor_ops.h).
#include "dispatch.h"
#include "s2s/kernels/arith.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::kern {

using namespace detail;

void div(Tensor& y, const Tensor& a, const Tensor& b) {
  check_same("div", y, {&a, &b});
  check_numel("div", y, a);
  check_numel("div", y, b);
  dispatch("div", y,
      [&](auto t) { using T = decltype(t); cpu::div<T>(ptr<T>(y), ptr<T>(a), ptr<T>(b), y.numel()); },
      [&] { cuda::div(fptr(y), fptr(a), fptr(b), y.numel()); });
}

void div_backward(Tensor* da, Tensor* db, const Tensor& b, const Tensor& y, const Tensor& dy) {
  check_same("div_backward", b, {&y, &dy});
  check_numel("div_backward", b, y);
  check_numel("div_backward", b, dy);
  for (Tensor* g : {da, db})
    if (g != nullptr && g->defined()) {
      check_same("div_backward", b, {g});
      check_numel("div_backward", b, *g);
    }
  dispatch("div_backward", b,
      [&](auto t) {
        using T = decltype(t);
        cpu::div_backward<T>(opt_ptr<T>(da), opt_ptr<T>(db), ptr<T>(b), ptr<T>(y), ptr<T>(dy), b.numel());
      },
      [&] { cuda::div_backward(opt_fptr(da), opt_fptr(db), fptr(b), fptr(y), fptr(dy), b.numel()); });
}

void transpose(Tensor& y, const Tensor& x, bool accumulate) {
  check_same("transpose", y, {&x});
  S2S_CHECK(x.ndim() == 2 && y.ndim() == 2 && y.dim(0) == x.dim(1) && y.dim(1) == x.dim(0),
            "transpose: needs [R, C] -> [C, R], got ", shape_str(x.shape()), " -> ", shape_str(y.shape()));
  const auto rows = x.dim(0), cols = x.dim(1);
  dispatch("transpose", y,
      [&](auto t) { using T = decltype(t); cpu::transpose<T>(ptr<T>(y), ptr<T>(x), rows, cols, accumulate); },
      [&] { cuda::transpose(fptr(y), fptr(x), rows, cols, accumulate); });
}

}  // namespace s2s::kern
