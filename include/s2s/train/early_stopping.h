#pragma once
// Owns: the record of validations that picks the best checkpoint and decides early stopping:
// the best value of train.best_metric so far, the step it was reached at, and how many
// validations in a row have not improved on it. It is part of the resumable run state (stored in
// every checkpoint's scalars), so a resumed run keeps the same best and the same patience count.
// Rules: BLEU and chrF improve when strictly higher, perplexity when strictly lower (a tie is no
// improvement: the earlier checkpoint stays best); the first finite value always improves; a NaN
// never does. Patience P > 0 stops after P validations in a row without improvement.
#include <cstdint>
#include <string>

#include "s2s/config/config.h"

namespace s2s::train {

struct ValidationState {
  std::int64_t validations = 0;   // validations done so far (this run and before a resume)
  bool has_best = false;
  double best = 0;                // best metric value (meaningful when has_best)
  std::int64_t best_step = 0;     // the step of the best checkpoint
  std::int64_t since_best = 0;    // validations in a row without improvement
};

// true when `value` improves on the state's best for `metric`.
bool improves(config::BestMetric metric, const ValidationState& state, double value);

struct ValidationOutcome {
  bool improved = false;  // this step's checkpoint is the new best
  bool stop = false;      // patience exhausted: stop after this checkpoint
};
ValidationOutcome record_validation(ValidationState& state, config::BestMetric metric, double value,
                                    std::int64_t step, std::int64_t patience);
// Patience already exhausted (a resumed run that had stopped early): true for patience > 0 and
// since_best >= patience.
bool patience_exhausted(const ValidationState& state, std::int64_t patience);

// "no improvement of bleu for 3 validations (best 12.34 at step 800)"
std::string describe_early_stop(const ValidationState& state, config::BestMetric metric);

}  // namespace s2s::train
