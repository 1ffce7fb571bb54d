// Owns: sequence_loss_by_example and sequence_loss (spec §5).
#include "s2s/nn/losses.h"

#include "s2s/autograd/arith_ops.h"
#include "s2s/autograd/ops.h"

namespace s2s::nn {

Var sequence_loss_by_example(const std::vector<Var>& logits, const std::vector<Tensor>& targets,
                             const std::vector<Var>& weights, const SequenceLossOptions& options) {
  S2S_CHECK(logits.size() == weights.size() && logits.size() == targets.size(),
            "Lengths of logits, weights, and targets must be the same ", logits.size(), ", ", weights.size(), ", ",
            targets.size(), ".");
  S2S_CHECK(!logits.empty(), "sequence_loss_by_example: no time steps (add_n of an empty list)");
  Var log_perps;
  for (std::size_t t = 0; t < logits.size(); ++t) {
    Var crossent;
    if (options.softmax_loss_function) {
      crossent = options.softmax_loss_function(targets[t], logits[t]);
    } else {
      S2S_CHECK(targets[t].dtype() == DType::I32, "sequence_loss: targets must be int32, got ",
                dtype_name(targets[t].dtype()));
      crossent = ag::softmax_cross_entropy(logits[t], targets[t].reshape({targets[t].numel()}));
    }
    S2S_CHECK(weights[t].defined() && weights[t].shape() == crossent.shape(), "sequence_loss: weights[", t,
              "] must have the shape of the step loss ", shape_str(crossent.shape()), ", got ",
              weights[t].defined() ? shape_str(weights[t].shape()) : std::string("<undefined>"));
    Var term = ag::mul(crossent, weights[t]);
    log_perps = log_perps.defined() ? ag::add(log_perps, term) : term;
  }
  if (options.average_across_timesteps) {
    Var total = weights[0];
    for (std::size_t t = 1; t < weights.size(); ++t) total = ag::add(total, weights[t]);
    log_perps = ag::div(log_perps, ag::add_scalar(total, kSequenceLossEpsilon));
  }
  return log_perps;
}

Var sequence_loss(const std::vector<Var>& logits, const std::vector<Tensor>& targets, const std::vector<Var>& weights,
                  const SequenceLossOptions& options) {
  Var cost = ag::sum(sequence_loss_by_example(logits, targets, weights, options));
  if (!options.average_across_batch) return cost;
  const std::int64_t batch = targets.at(0).ndim() > 0 ? targets.at(0).dim(0) : 1;
  return ag::scale(cost, 1.0 / static_cast<double>(batch));
}

}  // namespace s2s::nn
