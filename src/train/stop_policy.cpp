// Owns: signal flags -> actions and exit codes (see s2s/train/stop_policy.h).
#include "s2s/train/stop_policy.h"

namespace s2s::train {

StepSignals& StepSignals::operator|=(const StepSignals& o) {
  checkpoint = checkpoint || o.checkpoint;
  terminate = terminate || o.terminate;
  interrupt = interrupt || o.interrupt;
  return *this;
}

StepSignals step_signals(const SignalRequest& local) {
  StepSignals s;
  s.checkpoint = local.checkpoint;
  s.terminate = local.exit && local.signal != SIGINT;
  s.interrupt = local.exit && local.signal == SIGINT;
  return s;
}

SignalAction signal_action(const StepSignals& seen, bool saved_this_step) {
  SignalAction a;
  a.stop = seen.terminate || seen.interrupt;
  a.save = (seen.checkpoint || a.stop) && !saved_this_step;
  if (a.stop) a.exit_code = seen.interrupt ? kExitInterrupted : kExitTerminated;
  return a;
}

}  // namespace s2s::train
