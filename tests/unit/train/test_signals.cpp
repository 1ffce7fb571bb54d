// Signals raised in-process: SIGUSR1 requests a checkpoint once, SIGTERM/SIGINT request
// checkpoint-and-exit with 128 + signal (sticky), SIGUSR2 requests what SIGTERM does, a second SIGINT exits at once (death test), the
// handlers are restored afterwards, and the rank-combining code round-trips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>

#include "s2s/core/error.h"
#include "s2s/train/signals.h"

using namespace s2s::train;

TEST(Signals, Usr1RequestsOneCheckpoint) {
  SignalHandlers h;
  clear_signal_requests();
  EXPECT_FALSE(poll_signals().checkpoint);
  std::raise(SIGUSR1);
  SignalRequest r = poll_signals();
  EXPECT_TRUE(r.checkpoint);
  EXPECT_FALSE(r.exit);
  EXPECT_FALSE(poll_signals().checkpoint);  // consumed
}

TEST(Signals, TermAndIntRequestCheckpointAndExit) {
  SignalHandlers h;
  for (int sig : {SIGTERM, SIGINT}) {
    clear_signal_requests();
    std::raise(sig);
    for (int poll = 0; poll < 2; ++poll) {  // sticky
      SignalRequest r = poll_signals();
      EXPECT_TRUE(r.checkpoint);
      EXPECT_TRUE(r.exit);
      EXPECT_EQ(r.signal, sig);
      EXPECT_EQ(r.exit_code, sig == SIGTERM ? 143 : 130);
    }
  }
  clear_signal_requests();
  EXPECT_FALSE(poll_signals().exit);
}

TEST(Signals, Usr2IsTermUnderAnotherName) {
  // mpirun forwards SIGUSR2 to every rank but kills the job on SIGTERM: SIGUSR2 must ask exactly
  // what SIGTERM asks (checkpoint, then exit 143), sticky like it.
  SignalHandlers h;
  clear_signal_requests();
  std::raise(SIGUSR2);
  for (int poll = 0; poll < 2; ++poll) {
    SignalRequest r = poll_signals();
    EXPECT_TRUE(r.checkpoint);
    EXPECT_TRUE(r.exit);
    EXPECT_EQ(r.signal, SIGTERM);
    EXPECT_EQ(r.exit_code, 143);
  }
  clear_signal_requests();
}

TEST(Signals, SecondInterruptExitsImmediately) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        SignalHandlers h;
        clear_signal_requests();
        std::raise(SIGINT);
        std::raise(SIGINT);
        std::exit(0);  // not reached
      },
      ::testing::ExitedWithCode(130), "second interrupt");
}

TEST(Signals, HandlersAreRestoredAndSingleInstance) {
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  {
    SignalHandlers h;
    EXPECT_THROW(SignalHandlers again, s2s::Error);
    struct sigaction during {};
    sigaction(SIGTERM, nullptr, &during);
    EXPECT_NE(during.sa_handler, before.sa_handler);
  }
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  SignalHandlers reinstall;  // allowed once the previous one is gone
}

TEST(Signals, CombiningRanksWithMax) {
  auto combine = [](std::initializer_list<SignalRequest> rs) {
    int code = 0;
    for (const auto& r : rs) code = std::max(code, encode_signal_request(r));
    return decode_signal_request(code);
  };
  SignalRequest none, ckpt{true, false, 0, 0}, term{true, true, SIGTERM, 143}, intr{true, true, SIGINT, 130};
  EXPECT_FALSE(combine({none, none}).checkpoint);
  SignalRequest c = combine({none, ckpt});
  EXPECT_TRUE(c.checkpoint);
  EXPECT_FALSE(c.exit);
  c = combine({ckpt, intr, none});
  EXPECT_TRUE(c.exit);
  EXPECT_EQ(c.exit_code, 130);
  c = combine({intr, term});
  EXPECT_EQ(c.exit_code, 143);
}
