// Owns: the learning-rate schedules (see lr_schedule.h for the rules).
#include "s2s/train/lr_schedule.h"

#include <algorithm>

#include "s2s/core/error.h"

namespace s2s::train {

bool LrSchedule::on_checkpoint(double loss_avg) {
  state_.previous_losses.push_back(loss_avg);
  return false;
}

bool PlateauDecayLr::on_checkpoint(double loss_avg) {
  auto& prev = state_.previous_losses;
  bool decay = false;
  if (prev.size() > 2) {
    const double worst_recent = *std::max_element(prev.end() - 3, prev.end());
    decay = loss_avg > worst_recent;
  }
  if (decay) state_.learning_rate *= decay_factor_;
  prev.push_back(loss_avg);
  return decay;
}

LinearWarmup::LinearWarmup(std::unique_ptr<LrSchedule> inner, std::int64_t warmup_steps)
    : LrSchedule(0), inner_(std::move(inner)), warmup_steps_(warmup_steps) {
  S2S_CHECK(inner_ != nullptr && warmup_steps_ > 0, "LinearWarmup: needs a schedule and warmup_steps > 0");
}

double LinearWarmup::learning_rate(std::int64_t step) const {
  const double factor =
      std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(warmup_steps_));
  return inner_->learning_rate(step) * factor;
}

bool LinearWarmup::on_checkpoint(double loss_avg) { return inner_->on_checkpoint(loss_avg); }

std::unique_ptr<LrSchedule> make_lr_schedule(const config::OptimConfig& cfg) {
  std::unique_ptr<LrSchedule> s;
  if (cfg.decay == config::DecayPolicy::Plateau)
    s = std::make_unique<PlateauDecayLr>(cfg.learning_rate, cfg.learning_rate_decay_factor);
  else
    s = std::make_unique<ConstantLr>(cfg.learning_rate);
  if (cfg.warmup_steps > 0) s = std::make_unique<LinearWarmup>(std::move(s), cfg.warmup_steps);
  return s;
}

}  // namespace s2s::train
