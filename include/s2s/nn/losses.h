#pragma once
// Owns: sequence_loss_by_example and sequence_loss (spec §5).
//   ce_t = softmax_loss_function(labels=target_t, logits=logit_t), default the sparse softmax
//   cross-entropy; lp[b] = Σ_t ce_t[b]·w_t[b]; with average_across_timesteps
//   lp[b] /= (Σ_t w_t[b] + 1e-12). sequence_loss sums lp over the batch and divides by B when
//   average_across_batch. Weights are Vars (gradients flow into them, the denominator included).
// Error (TF's ValueError text): "Lengths of logits, weights, and targets must be the same L, W, T."
#include <functional>
#include <vector>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn {

// softmax_loss_function(labels, logits): labels int32 [B] (the raw target), logits the decoder
// output [B, out]; returns the per-example loss [B] (late-TF keyword convention, §5).
using SoftmaxLossFn = std::function<Var(const Tensor& labels, const Var& logits)>;

inline constexpr double kSequenceLossEpsilon = 1e-12;

struct SequenceLossOptions {
  bool average_across_timesteps = true;
  bool average_across_batch = true;  // sequence_loss only
  SoftmaxLossFn softmax_loss_function;
};

// Returns [B].
Var sequence_loss_by_example(const std::vector<Var>& logits, const std::vector<Tensor>& targets,
                             const std::vector<Var>& weights, const SequenceLossOptions& options = {});
// Returns a scalar (shape []).
Var sequence_loss(const std::vector<Var>& logits, const std::vector<Tensor>& targets,
                  const std::vector<Var>& weights, const SequenceLossOptions& options = {});

}  // namespace s2s::nn
