// Owns: PhaseTimer's accounting (kernels/phase_timer.h), backend-free: boundaries, charging the
// interval after each boundary to its phase, totals; and the CPU time source. The CUDA time source
// is cuda::EventTimeline (src/kernels/cuda/phase_timer.cpp, or its stub without CUDA).
#include "s2s/kernels/phase_timer.h"

#include <chrono>
#include <utility>

#include "s2s/core/error.h"
#include "s2s/kernels/cuda_runtime_api.h"

namespace s2s::kern {
namespace {

PhaseTimer::NowFn steady_seconds() {
  const auto origin = std::chrono::steady_clock::now();  // small values keep a double exact to ns
  return [origin] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin).count(); };
}

}  // namespace

PhaseTimer::PhaseTimer(Device device) : device_(device) {
  if (device_ == Device::CUDA) events_ = std::make_unique<cuda::EventTimeline>();
  else now_ = steady_seconds();
}

PhaseTimer::PhaseTimer(NowFn now) : device_(Device::CPU), now_(std::move(now)) {
  S2S_CHECK(static_cast<bool>(now_), "PhaseTimer: the clock function is empty");
}

PhaseTimer::~PhaseTimer() = default;

void PhaseTimer::mark(std::string_view phase) { boundary(phase_index(phase)); }

void PhaseTimer::stop() { boundary(kStop); }

void PhaseTimer::boundary(int phase) {
  if (device_ == Device::CUDA) {
    // An event recorded while the stream is captured would become a graph node (phase_timer.h).
    if (cuda::stream_is_capturing()) {
      ++skipped_;
      return;
    }
    marks_.push_back({phase, events_->record()});
    return;
  }
  marks_.push_back({phase, cpu_times_.size()});
  cpu_times_.push_back(now_());
}

int PhaseTimer::phase_index(std::string_view phase) {
  for (std::size_t i = 0; i < totals_.size(); ++i)
    if (totals_[i].name == phase) return static_cast<int>(i);
  totals_.push_back({std::string(phase), 0.0, 0});
  return static_cast<int>(totals_.size() - 1);
}

void PhaseTimer::collect() {
  // The boundaries are forgotten whatever happens below, so a failed wait does not leave stale
  // events to be charged by a later collect.
  std::vector<Mark> marks = std::exchange(marks_, {});
  std::vector<double> times = std::exchange(cpu_times_, {});
  if (events_) events_->recycle();
  if (marks.size() < 2) return;
  if (events_) events_->wait(marks.back().stamp);  // same stream: every earlier event is done too
  for (std::size_t i = 0; i + 1 < marks.size(); ++i) {
    if (marks[i].phase == kStop) continue;
    const double s = events_ ? events_->seconds_between(marks[i].stamp, marks[i + 1].stamp)
                             : times[marks[i + 1].stamp] - times[marks[i].stamp];
    PhaseTotal& t = totals_[static_cast<std::size_t>(marks[i].phase)];
    t.seconds += s;
    ++t.count;
  }
}

std::vector<PhaseTotal> PhaseTimer::totals() const {
  std::vector<PhaseTotal> out;
  for (const auto& t : totals_)
    if (t.count > 0) out.push_back(t);
  return out;
}

PhaseTotal PhaseTimer::total(std::string_view phase) const {
  for (const auto& t : totals_)
    if (t.name == phase) return t;
  return {std::string(phase), 0.0, 0};
}

void PhaseTimer::reset() {
  marks_.clear();
  cpu_times_.clear();
  if (events_) events_->recycle();
  totals_.clear();
  skipped_ = 0;
}

}  // namespace s2s::kern
