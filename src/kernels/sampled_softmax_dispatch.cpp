// Owns: Tensor-level dispatch of the sampled-softmax logit steps (tensor_ops.h,
// kernels/sampled_softmax.h).
#include "dispatch.h"
#include "s2s/kernels/sampled_softmax.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::kern {

using namespace detail;

void mask_accidental_hits(Tensor& y, const Tensor& x, const Tensor& sampled, const Tensor& labels) {
  const char* op = "mask_accidental_hits";
  check_same(op, x, {&y});
  check_numel(op, y, x);
  check_ids(op, sampled, x);
  check_ids(op, labels, x);
  S2S_CHECK(x.ndim() == 2, op, ": logits must be [B, S], got ", shape_str(x.shape()));
  const auto b = x.dim(0), s = x.dim(1);
  S2S_CHECK(sampled.numel() == s, op, ": ", sampled.numel(), " sampled ids for ", s, " sampled logits per row");
  S2S_CHECK(b == 0 ? labels.numel() == 0 : labels.numel() % b == 0 && labels.dim(0) == b, op,
            ": labels must be [B, num_true] with B = ", b, ", got ", shape_str(labels.shape()));
  const auto nt = b == 0 ? 0 : labels.numel() / b;
  dispatch(op, x,
      [&](auto t) {
        using T = decltype(t);
        cpu::mask_accidental_hits<T>(ptr<T>(y), ptr<T>(x), iptr(sampled), iptr(labels), b, s, nt);
      },
      [&] { cuda::mask_accidental_hits(fptr(y), fptr(x), iptr(sampled), iptr(labels), b, s, nt); });
}

void subtract_log_q(Tensor& y, const Tensor& x, const Tensor& q) {
  const char* op = "subtract_log_q";
  check_same(op, x, {&y, &q});
  check_numel(op, y, x);
  std::int64_t rows = 0, cols = 0;
  if (q.numel() == x.numel()) {
    rows = 1;
    cols = x.numel();
  } else {
    S2S_CHECK(q.numel() == last_dim(x), op, ": q must have the logits' ", x.numel(), " elements or one per column (",
              last_dim(x), "), got ", shape_str(q.shape()));
    rows = leading(x);
    cols = last_dim(x);
  }
  dispatch(op, x,
      [&](auto t) { using T = decltype(t); cpu::subtract_log_q<T>(ptr<T>(y), ptr<T>(x), ptr<T>(q), rows, cols); },
      [&] { cuda::subtract_log_q(fptr(y), fptr(x), fptr(q), rows, cols); });
}

}  // namespace s2s::kern
