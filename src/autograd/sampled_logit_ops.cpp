// Owns: forward + backward of the sampled-softmax logit ops (see sampled_logit_ops.h).
#include "s2s/autograd/sampled_logit_ops.h"

#include "s2s/kernels/tensor_ops.h"

namespace s2s::ag {
namespace {

Tensor on_device(const Tensor& t, Device device) { return t.device() == device ? t : t.to(device); }

// y = x + constant: dx += dy.
void record_identity(const Var& y, const Var& x) {
  if (active_tape() == nullptr || !x.requires_grad()) return;
  active_tape()->record(y, {x}, [x](const Tensor& dy) { kern::axpy(x.grad(), dy, 1.0); });
}

}  // namespace

Var mask_accidental_hits(const Var& logits, const Tensor& sampled, const Tensor& labels) {
  Var y(Tensor::empty(logits.shape(), logits.dtype(), logits.device()));
  kern::mask_accidental_hits(y.mutable_value(), logits.value(), on_device(sampled, logits.device()),
                             on_device(labels, logits.device()));
  record_identity(y, logits);
  return y;
}

Var subtract_log_q(const Var& logits, const Tensor& q) {
  Var y(Tensor::empty(logits.shape(), logits.dtype(), logits.device()));
  kern::subtract_log_q(y.mutable_value(), logits.value(), on_device(q, logits.device()));
  record_identity(y, logits);
  return y;
}

}  // namespace s2s::ag
