#pragma once
// Owns: global-norm gradient clipping exactly as TF's clip_by_global_norm (spec §8):
//   norm  = sqrt(Σ_i ||g_i||²)
//   scale = max_norm * min(1 / norm, 1 / max_norm)      (computed in the gradients' dtype)
//   g_i  <- g_i * scale                                  (applied even when scale == 1, as TF)
// A non-finite norm makes scale NaN, so every gradient becomes NaN (TF's behaviour); the NaN
// policy (nan_guard.h) is expected to look at the norm before clip_by_global_norm scales.
// The norm accumulates in double (s2s::kern::sum_squares), which is more exact than TF's float32
// l2_loss sum; spec §11.3 uses the dense norm of the aggregated gradients.
#include <span>

#include "s2s/core/tensor.h"

namespace s2s::train {

double global_norm(std::span<const Tensor> grads);
// Scales the gradients given their precomputed global norm; returns the scale applied.
double scale_to_global_norm(std::span<Tensor> grads, double norm, double max_norm);
// global_norm + scale_to_global_norm; returns the norm before clipping (translate's report).
double clip_by_global_norm(std::span<Tensor> grads, double max_norm);

}  // namespace s2s::train
