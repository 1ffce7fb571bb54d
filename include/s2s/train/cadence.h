#pragma once
// Owns: WHEN the training loop does things, as pure functions of step counters (no clock, no I/O,
// no device): when the host must read the device's step history back (a sync point), which steps
// are checkpoint steps and validation steps, when max_steps ends the run, and whether the end of
// the run needs a final checkpoint. The loop asks; the Cadence never acts.
// Steps are global steps AFTER their update: step s is the s-th applied update.
#include <cstdint>

#include "s2s/config/config.h"

namespace s2s::train {

struct Cadence {
  std::int64_t steps_per_checkpoint = 200;  // >= 1
  std::int64_t log_every = 0;               // 0: log lines only at checkpoints
  std::int64_t max_steps = 0;               // 0: until stopped
  std::int64_t validate_every = 0;          // in checkpoints; 0: never

  static Cadence from(const config::TrainLoopConfig& train);

  // Whether another step may run from `step` (max_steps not reached).
  bool keep_running(std::int64_t step) const;
  // The step that will become `next_step` ends with a sync point when the device history is full,
  // or when next_step is a checkpoint, log or last step (their work needs the host values).
  bool sync_after(std::int64_t next_step, bool history_full) const;
  bool is_checkpoint(std::int64_t step) const;
  // Every validate_every-th checkpoint step (steps_per_checkpoint x validate_every, 2x, ...).
  bool is_validation(std::int64_t step) const;
  // The loop ended by max_steps (not a signal, not early stopping): write a final checkpoint unless
  // nothing ran or this run's last checkpoint step already wrote this very step.
  bool final_save_needed(std::int64_t step, bool saved_this_run) const;
};

}  // namespace s2s::train
