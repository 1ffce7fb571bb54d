// Owns: the async-signal-safe handlers and the polled request flags (contract in signals.h).
#include "s2s/train/signals.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

#include "s2s/core/error.h"

namespace s2s::train {
namespace {

static_assert(std::atomic<int>::is_always_lock_free, "signal flags must be lock-free");
std::atomic<int> g_checkpoint{0};
std::atomic<int> g_exit_signal{0};
std::atomic<bool> g_installed{false};

constexpr int kSignals[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2};
constexpr int kSignalCount = sizeof(kSignals) / sizeof(kSignals[0]);
struct sigaction g_previous[kSignalCount];

extern "C" void on_signal(int sig) {
  if (sig == SIGUSR1) {
    g_checkpoint.store(1);
    return;
  }
  if (sig == SIGINT && g_exit_signal.load() != 0) {
    static const char kMsg[] = "\ns2s: second interrupt, exiting without a checkpoint\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    ::_exit(128 + SIGINT);
  }
  int none = 0;
  // SIGUSR2 is SIGTERM's stand-in under mpirun (signals.h): recorded as SIGTERM, so the request,
  // its all-reduce and the exit code (143) are SIGTERM's.
  g_exit_signal.compare_exchange_strong(none, sig == SIGUSR2 ? SIGTERM : sig);
}

}  // namespace

SignalHandlers::SignalHandlers() {
  S2S_CHECK(!g_installed.exchange(true), "SignalHandlers: already installed");
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // blocking I/O resumes; the loop polls between steps
  for (int i = 0; i < kSignalCount; ++i) ::sigaction(kSignals[i], &sa, &g_previous[i]);
}

SignalHandlers::~SignalHandlers() {
  for (int i = 0; i < kSignalCount; ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
  g_installed.store(false);
}

SignalRequest poll_signals() {
  SignalRequest r;
  r.checkpoint = g_checkpoint.exchange(0) != 0;
  if (const int sig = g_exit_signal.load(); sig != 0) {
    r.checkpoint = true;
    r.exit = true;
    r.signal = sig;
    r.exit_code = 128 + sig;
  }
  return r;
}

void clear_signal_requests() {
  g_checkpoint.store(0);
  g_exit_signal.store(0);
}

// Layout: bits 0-7 the exit signal (0: none), bit 8 a checkpoint request. Max-reducing the codes
// of all ranks keeps any exit (the highest signal number wins; SIGTERM > SIGINT) and any checkpoint
// request whenever the winning code is an exit (exits always checkpoint).
int encode_signal_request(const SignalRequest& r) {
  return (r.exit ? (r.signal & 0xFF) : 0) | (r.checkpoint ? 0x100 : 0);
}

SignalRequest decode_signal_request(int code) {
  SignalRequest r;
  r.checkpoint = (code & 0x100) != 0;
  r.signal = code & 0xFF;
  r.exit = r.signal != 0;
  if (r.exit) {
    r.checkpoint = true;
    r.exit_code = 128 + r.signal;
  }
  return r;
}

}  // namespace s2s::train
