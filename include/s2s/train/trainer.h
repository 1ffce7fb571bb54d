#pragma once
// Owns: the training loop of `s2s train` (translate.py's train(), data-parallel):
//   each step every rank takes a batch of the SAME bucket from its own shard, runs forward and
//   backward on the tape, the gradients are averaged across ranks by the reducer while backward
//   runs, then every rank clips by the global norm and applies the same update, so replicas stay
//   identical (checked every `drift_check_every` steps). Every steps_per_checkpoint steps: the
//   translate plateau decay, dev evaluation, every train.validate_every checkpoints a BLEU/chrF
//   validation (validation.h) with best.h5 and early stopping (early_stopping.h), then a
//   checkpoint (rank 0, atomic), metrics. The loop's parts: cadence.h (when), stop_policy.h
//   (signals, NaN streaks, exit codes), session.h (build, restore, save).
// Does not own: the model (seq2seq_model.h), batching (data/), collectives (dist/), the file
// formats (checkpoint.h).
// Sync points: a step queues its device work (StepRunner: eager or a CUDA graph per bucket), the
// gradient all-reduce, a device-side clip and the update without waiting for the GPU; its loss,
// token count, signal flags and gradient norm go into a device history row. The host reads the
// rows back only every train.sync_every steps (and at log, checkpoint and final steps), then logs
// every step, applies nan_policy (stop names the first non-finite step; skip syncs every step
// because it decides before the update) and acts on signals, so a signal takes effect at the next
// sync point. Resume is exact: the checkpoint holds parameters, optimizer state,
// learning-rate history, the sampler cursor, every RNG state and the loop's accumulators.
#include <cstdint>
#include <string>

#include "s2s/config/config.h"
#include "s2s/train/metrics.h"

namespace s2s::dist {
class World;
}

namespace s2s::train {

struct TrainResult {
  std::int64_t global_step = 0;
  double last_loss = 0;              // average training loss of the last logging window
  std::string last_checkpoint;       // path, empty if none was written
  bool stopped_by_signal = false;
  std::int64_t skipped_steps = 0;    // non-finite steps skipped (nan_policy: skip)
  int exit_code = 0;                 // stop_policy.h: 143 after SIGTERM, 130 after SIGINT, else 0
  bool stopped_early = false;        // early stopping on validation (exit code 0)
  std::int64_t validations = 0;      // BLEU/chrF validations so far (resumed runs included)
  std::int64_t best_step = -1;       // step of best.h5; -1 when no validation ran
  double best_value = 0;             // its train.best_metric value (NaN when none)
};

// How this run reports, and what a resume may change: not part of the config a checkpoint stores.
struct RunOptions {
  ProgressMode progress = ProgressMode::Auto;  // `s2s train --progress`
  // `s2s train --allow-config-change`: resume even when options that change what the run computes
  // differ from the checkpoint's (each change is logged; resume_check.h).
  bool allow_config_change = false;
};

TrainResult run_training(const config::TrainConfig& config, dist::World& world, const RunOptions& options = {});

}  // namespace s2s::train
