// Owns: the benchmark's clock choice (see step_clock.h).
#include "step_clock.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include "s2s/core/error.h"

namespace s2s::bench {

StepClock choose_step_clock(const std::string& option, Device device) {
  if (option == "wall") return StepClock::Wall;
  if (option == "cpu") return StepClock::ProcessCpu;
  S2S_CHECK(option == "auto", "--clock ", option, ": expected auto, wall or cpu");
  const char* threads = std::getenv("OPENBLAS_NUM_THREADS");
  const bool one_thread = threads != nullptr && std::string_view(threads) == "1";
  return device == Device::CPU && one_thread ? StepClock::ProcessCpu : StepClock::Wall;
}

const char* to_string(StepClock clock) { return clock == StepClock::Wall ? "wall" : "cpu"; }

double clock_seconds(StepClock clock) {
  if (clock == StepClock::Wall)
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec ts{};
  S2S_CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

}  // namespace s2s::bench
