#pragma once
// Owns: what the training loop does about signals and non-finite steps, and the exit codes it
// ends with, by name:
//   - a step's signal flags (the SignalRequest of signals.h, split into checkpoint / terminate /
//     interrupt so a max all-reduce over ranks keeps each), and what the flags of a sync point ask:
//     write a checkpoint (unless this step already did), stop, and with which exit code;
//   - nan_policy skip's streak limit: kMaxConsecutiveSkips non-finite steps in a row mean the run
//     is not recovering (e.g. an update overflowed the parameters), so stop with an error instead
//     of looping forever.
// Early stopping on validation is early_stopping.h's; this file only names its exit code.
// Does not own: the handlers (signals.h) or the per-step finiteness check (nan_guard.h).
#include <csignal>
#include <cstdint>
#include <string>

#include "s2s/train/signals.h"

namespace s2s::train {

// Exit codes of `s2s train` (shell convention 128 + signal for a signal-requested stop).
inline constexpr int kExitTrained = 0;                  // max_steps reached, or early stopping
inline constexpr int kExitInterrupted = 128 + SIGINT;   // 130: SIGINT, after a checkpoint
inline constexpr int kExitTerminated = 128 + SIGTERM;   // 143: SIGTERM, after a checkpoint

inline constexpr std::int64_t kMaxConsecutiveSkips = 100;

// One step's signal flags as they ride with the gradients (each a 0/1 max-reduced over ranks).
struct StepSignals {
  bool checkpoint = false;  // SIGUSR1, or any exit (exits always checkpoint)
  bool terminate = false;   // an exit asked by a signal other than SIGINT (SIGTERM)
  bool interrupt = false;   // an exit asked by SIGINT
  StepSignals& operator|=(const StepSignals& o);
};
StepSignals step_signals(const SignalRequest& local);

// What the signals seen at a sync point ask for.
struct SignalAction {
  bool save = false;  // write a checkpoint now (the step's checkpoint work did not already)
  bool stop = false;  // then leave the loop
  int exit_code = kExitTrained;
};
// An interrupt wins over a terminate (130 over 143) when ranks saw different signals.
SignalAction signal_action(const StepSignals& seen, bool saved_this_step);

// nan_policy skip: counts non-finite steps in a row.
class SkipStreak {
 public:
  explicit SkipStreak(std::int64_t limit = kMaxConsecutiveSkips) : limit_(limit) {}
  void on_finite() { streak_ = 0; }
  // Counts a skipped step; true when the streak reached the limit (the run must stop).
  bool on_skipped() { return ++streak_ >= limit_; }
  std::int64_t streak() const { return streak_; }
  std::int64_t limit() const { return limit_; }

 private:
  std::int64_t limit_;
  std::int64_t streak_ = 0;
};

}  // namespace s2s::train
