// Owns: cuda::EventTimeline (kernels/phase_timer.h), PhaseTimer's CUDA time source: a pool of
// timing events recorded on the context's stream and reused after each collect.
// Why cudaEventDefault: cudaEventDisableTiming events cannot be timed, and cudaEventBlockingSync
// only changes how cudaEventSynchronize waits (yield instead of spin), which a benchmark's one wait
// per sync point does not need. Recording never waits on the host; recording an event again while
// its previous record is still pending is allowed (the new record replaces the old), so recycle()
// needs no wait either.
#include <cuda_runtime.h>

#include "s2s/core/cuda_check.h"
#include "s2s/core/error.h"
#include "s2s/kernels/cuda_context.h"
#include "s2s/kernels/phase_timer.h"

namespace s2s::cuda {
namespace {
cudaEvent_t as_event(void* e) { return static_cast<cudaEvent_t>(e); }
}  // namespace

EventTimeline::EventTimeline() { context(); }  // throws if the backend is not initialised

EventTimeline::~EventTimeline() {
  for (void* e : events_) cudaEventDestroy(as_event(e));
}

std::size_t EventTimeline::record() {
  Context& ctx = context();
  if (next_ == events_.size()) {
    events_.reserve(events_.size() + 1);  // no throw between the create and the push_back
    cudaEvent_t e = nullptr;
    S2S_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDefault));
    events_.push_back(e);
  }
  S2S_CUDA_CHECK(cudaEventRecord(as_event(events_[next_]), static_cast<cudaStream_t>(ctx.stream())));
  return next_++;
}

void EventTimeline::wait(std::size_t index) {
  S2S_CHECK(index < events_.size(), "EventTimeline::wait: event ", index, " of a pool of ", events_.size());
  S2S_CUDA_CHECK(cudaEventSynchronize(as_event(events_[index])));
}

double EventTimeline::seconds_between(std::size_t from, std::size_t to) const {
  S2S_CHECK(from < events_.size() && to < events_.size(), "EventTimeline::seconds_between: events ", from, " and ",
            to, " of a pool of ", events_.size());
  float ms = 0;
  S2S_CUDA_CHECK(cudaEventElapsedTime(&ms, as_event(events_[from]), as_event(events_[to])));
  return double(ms) / 1e3;
}

}  // namespace s2s::cuda
