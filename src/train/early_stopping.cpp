// Owns: best-metric tracking and the early-stopping rule (see s2s/train/early_stopping.h).
#include "s2s/train/early_stopping.h"

#include <cmath>
#include <fmt/format.h>

namespace s2s::train {

bool improves(config::BestMetric metric, const ValidationState& state, double value) {
  if (std::isnan(value)) return false;
  if (!state.has_best) return true;
  return metric == config::BestMetric::Perplexity ? value < state.best : value > state.best;
}

ValidationOutcome record_validation(ValidationState& state, config::BestMetric metric, double value,
                                    std::int64_t step, std::int64_t patience) {
  ValidationOutcome out;
  ++state.validations;
  if (improves(metric, state, value)) {
    state.has_best = true;
    state.best = value;
    state.best_step = step;
    state.since_best = 0;
    out.improved = true;
  } else {
    ++state.since_best;
  }
  out.stop = patience_exhausted(state, patience);
  return out;
}

bool patience_exhausted(const ValidationState& state, std::int64_t patience) {
  return patience > 0 && state.since_best >= patience;
}

std::string describe_early_stop(const ValidationState& state, config::BestMetric metric) {
  return fmt::format("no improvement of {} for {} validation(s) (best {:.4g} at step {})", config::to_string(metric),
                     state.since_best, state.best, state.best_step);
}

}  // namespace s2s::train
