#pragma once
// Owns: learning-rate schedules and their checkpointed state (the current rate and translate's
// `previous_losses` history).
//   PlateauDecayLr: translate's rule (spec §8), evaluated at each checkpoint with the average
//     training loss since the previous one:
//       if len(previous_losses) > 2 and loss > max(previous_losses[-3:]): lr *= decay_factor
//       previous_losses.append(loss)
//   ConstantLr: the rate never changes (the history is still kept, for logs and checkpoints).
//   LinearWarmup: wraps another schedule; the update that takes global_step from s to s + 1 uses
//     inner(s) * min(1, (s + 1) / warmup_steps).
// The rate is kept in double (TF's learning_rate variable is float32 in translate; the product of
// decays differs from TF's by float32 rounding only).
#include <cstdint>
#include <memory>
#include <vector>

#include "s2s/config/config.h"

namespace s2s::train {

struct LrScheduleState {
  double learning_rate = 0;             // the base rate (translate's learning_rate variable)
  std::vector<double> previous_losses;  // one per checkpoint so far
};

class LrSchedule {
 public:
  explicit LrSchedule(double learning_rate) { state_.learning_rate = learning_rate; }
  virtual ~LrSchedule() = default;
  // Rate of the update that takes global_step from `step` to step + 1.
  virtual double learning_rate(std::int64_t step) const { return state_.learning_rate; }
  // Called at each checkpoint with the average loss since the previous one; returns true when
  // the rate was decayed.
  virtual bool on_checkpoint(double loss_avg);
  virtual const LrScheduleState& state() const { return state_; }
  virtual void restore(const LrScheduleState& s) { state_ = s; }

 protected:
  LrScheduleState state_;
};

using ConstantLr = LrSchedule;

class PlateauDecayLr final : public LrSchedule {
 public:
  PlateauDecayLr(double learning_rate, double decay_factor)
      : LrSchedule(learning_rate), decay_factor_(decay_factor) {}
  bool on_checkpoint(double loss_avg) override;

 private:
  double decay_factor_;
};

class LinearWarmup final : public LrSchedule {
 public:
  LinearWarmup(std::unique_ptr<LrSchedule> inner, std::int64_t warmup_steps);
  double learning_rate(std::int64_t step) const override;
  bool on_checkpoint(double loss_avg) override;
  // The state is the inner schedule's.
  const LrScheduleState& state() const override { return inner_->state(); }
  void restore(const LrScheduleState& s) override { inner_->restore(s); }

 private:
  std::unique_ptr<LrSchedule> inner_;
  std::int64_t warmup_steps_;
};

// decay: plateau -> PlateauDecayLr, none -> ConstantLr; warmup_steps > 0 wraps it in LinearWarmup.
std::unique_ptr<LrSchedule> make_lr_schedule(const config::OptimConfig& cfg);

}  // namespace s2s::train
