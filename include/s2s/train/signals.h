#pragma once
// Owns: turning SIGTERM, SIGINT, SIGUSR1 and SIGUSR2 into requests the training loop polls once
// per step.
// The handlers only store to lock-free atomics (async-signal-safe); all work (finishing the step,
// agreeing across ranks, writing the checkpoint) happens in the loop. Contract (documented in
// docs/checkpoint-format.md, "Signals"):
//   SIGUSR1          -> checkpoint after the current step, then continue
//   SIGTERM          -> checkpoint after the current step, then exit with 143 (128 + 15)
//   SIGUSR2          -> the same as SIGTERM (exit 143). Why: Open MPI's mpirun answers a SIGTERM
//                       sent to it by SIGTERMing every rank and SIGKILLing them 1 s later
//                       (odls_base_sigkill_timeout), then exits 1 itself; it forwards SIGUSR2
//                       untouched, so `kill -USR2 <mpirun>` stops the job with a checkpoint and
//                       status 143 (docs/distributed.md, "Stopping a job").
//   SIGINT           -> checkpoint after the current step, then exit with 130 (128 + 2)
//   SIGINT again     -> (while an exit is pending) _exit(130) at once, no checkpoint
// In an MPI job each rank gets its own signal (Slurm and mpirun forward them); the loop must
// combine the requests of all ranks (a max all-reduce) so every rank stops at the same step.
namespace s2s::train {

struct SignalRequest {
  bool checkpoint = false;  // write a checkpoint after this step
  bool exit = false;        // then exit with exit_code
  int signal = 0;           // the signal that asked to exit (0 if none)
  int exit_code = 0;        // 128 + signal
};

// Installs the handlers for its lifetime and restores the previous ones on destruction. One
// instance at a time.
class SignalHandlers {
 public:
  SignalHandlers();
  ~SignalHandlers();
  SignalHandlers(const SignalHandlers&) = delete;
  SignalHandlers& operator=(const SignalHandlers&) = delete;
};

// Reads the pending requests. A checkpoint-only request (SIGUSR1) is consumed; an exit request
// stays pending (every later poll reports it) until clear_signal_requests().
SignalRequest poll_signals();
void clear_signal_requests();
// Encodes a request as an int for an all-reduce (max) across ranks, and back.
int encode_signal_request(const SignalRequest& r);
SignalRequest decode_signal_request(int code);

}  // namespace s2s::train
