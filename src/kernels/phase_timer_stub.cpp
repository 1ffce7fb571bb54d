// Owns: cuda::EventTimeline (kernels/phase_timer.h) in a build without CUDA: it cannot be made,
// so PhaseTimer(Device::CUDA) throws s2s::Error; the CPU timer works in every build. The CUDA
// version lives in src/kernels/cuda/phase_timer.cpp; this file compiles to nothing when
// S2S_WITH_CUDA is defined.
#ifndef S2S_WITH_CUDA

#include "s2s/core/error.h"
#include "s2s/kernels/phase_timer.h"

namespace s2s::cuda {
namespace {
constexpr const char* kNoCuda = "s2s was built without CUDA (configure with -DS2S_WITH_CUDA=ON)";
}

EventTimeline::EventTimeline() { S2S_FAIL("s2s::cuda::EventTimeline (PhaseTimer on CUDA): ", kNoCuda); }
EventTimeline::~EventTimeline() = default;
std::size_t EventTimeline::record() { S2S_FAIL("s2s::cuda::EventTimeline::record: ", kNoCuda); }
void EventTimeline::wait(std::size_t) { S2S_FAIL("s2s::cuda::EventTimeline::wait: ", kNoCuda); }
double EventTimeline::seconds_between(std::size_t, std::size_t) const {
  S2S_FAIL("s2s::cuda::EventTimeline::seconds_between: ", kNoCuda);
}

}  // namespace s2s::cuda

#endif  // S2S_WITH_CUDA
