#pragma once
// Owns: the clock the training benchmark times with.
// Why a choice: on a shared machine, other processes' load stretches wall time by time slicing
// (measured: a 1-thread step took 2× longer wall time under a load average of 10), while the
// process's CPU time stays close to the work done (cache pollution still shows). With one compute
// thread, CPU time is the honest figure for comparing implementations on such a machine; with
// several threads or on a GPU it would count the wrong thing, so there the wall clock is used.
#include <string>

#include "s2s/core/dtype.h"

namespace s2s::bench {

enum class StepClock { Wall, ProcessCpu };

// "auto": process CPU time on the CPU with one BLAS thread (OPENBLAS_NUM_THREADS=1), wall
// otherwise. Throws on anything but auto, wall, cpu.
StepClock choose_step_clock(const std::string& option, Device device);
const char* to_string(StepClock clock);

// Seconds on `clock` since an arbitrary origin.
double clock_seconds(StepClock clock);

}  // namespace s2s::bench
