// Owns: the loop's cadence decisions (see s2s/train/cadence.h).
#include "s2s/train/cadence.h"

namespace s2s::train {

Cadence Cadence::from(const config::TrainLoopConfig& t) {
  return {t.steps_per_checkpoint, t.log_every, t.max_steps, t.validate_every};
}

bool Cadence::keep_running(std::int64_t step) const { return max_steps == 0 || step < max_steps; }

bool Cadence::sync_after(std::int64_t next_step, bool history_full) const {
  return history_full || is_checkpoint(next_step) || (log_every > 0 && next_step % log_every == 0) ||
         (max_steps > 0 && next_step >= max_steps);
}

bool Cadence::is_checkpoint(std::int64_t step) const { return step % steps_per_checkpoint == 0; }

bool Cadence::is_validation(std::int64_t step) const {
  return validate_every > 0 && step > 0 && is_checkpoint(step) && (step / steps_per_checkpoint) % validate_every == 0;
}

bool Cadence::final_save_needed(std::int64_t step, bool saved_this_run) const {
  return step > 0 && (!saved_this_run || !is_checkpoint(step));
}

}  // namespace s2s::train
