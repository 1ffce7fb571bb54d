#pragma once
// Owns: the differentiable logit adjustments of sampled_softmax_loss (spec §7), on the logits'
// device (kernels/sampled_softmax.h): the accidental-hit mask and the log-Q subtraction. Both add
// a constant, so the gradient passes to the logits unchanged.
#include "s2s/autograd/var.h"

namespace s2s::ag {

// logits [B, S] + (−FLT_MAX where sampled[j] is one of row b's labels); sampled int32 [S], labels
// int32 [B, num_true] (copied to the logits' device if they are elsewhere).
Var mask_accidental_hits(const Var& logits, const Tensor& sampled, const Tensor& labels);
// logits − log q, q a constant with the logits' element count or one value per column ([S] for
// [B, S] logits); converted to the logits' device if needed.
Var subtract_log_q(const Var& logits, const Tensor& q);

}  // namespace s2s::ag
