// Stop policy: signal flags -> save/stop/exit code, the rank-combining OR, the named exit codes
// (128 + signal, hand-computed), and nan_policy skip's streak limit.
#include <gtest/gtest.h>

#include <csignal>

#include "s2s/train/stop_policy.h"

using namespace s2s::train;

TEST(StopPolicy, ExitCodesAreShellConvention) {
  EXPECT_EQ(kExitTrained, 0);
  EXPECT_EQ(kExitInterrupted, 130);  // 128 + SIGINT (2)
  EXPECT_EQ(kExitTerminated, 143);   // 128 + SIGTERM (15)
}

TEST(StopPolicy, StepSignalsSplitsExitsBySignal) {
  SignalRequest none;
  EXPECT_FALSE(step_signals(none).checkpoint || step_signals(none).terminate || step_signals(none).interrupt);
  SignalRequest usr1{true, false, 0, 0};
  const StepSignals u = step_signals(usr1);
  EXPECT_TRUE(u.checkpoint);
  EXPECT_FALSE(u.terminate || u.interrupt);
  SignalRequest term{true, true, SIGTERM, 143};
  EXPECT_TRUE(step_signals(term).terminate);
  EXPECT_FALSE(step_signals(term).interrupt);
  SignalRequest intr{true, true, SIGINT, 130};
  EXPECT_TRUE(step_signals(intr).interrupt);
  EXPECT_FALSE(step_signals(intr).terminate);
}

TEST(StopPolicy, NoSignalNoAction) {
  const SignalAction a = signal_action({}, false);
  EXPECT_FALSE(a.save);
  EXPECT_FALSE(a.stop);
  EXPECT_EQ(a.exit_code, 0);
}

TEST(StopPolicy, CheckpointRequestSavesUnlessAlreadySaved) {
  EXPECT_TRUE(signal_action({true, false, false}, false).save);
  EXPECT_FALSE(signal_action({true, false, false}, true).save);
  EXPECT_FALSE(signal_action({true, false, false}, false).stop);
}

TEST(StopPolicy, ExitSavesAndStopsWithItsCode) {
  const SignalAction term = signal_action({true, true, false}, false);
  EXPECT_TRUE(term.save);
  EXPECT_TRUE(term.stop);
  EXPECT_EQ(term.exit_code, 143);
  const SignalAction intr = signal_action({true, false, true}, true);
  EXPECT_FALSE(intr.save);  // the checkpoint step wrote this step already
  EXPECT_TRUE(intr.stop);
  EXPECT_EQ(intr.exit_code, 130);
  // Ranks saw different signals: the interrupt wins (the trainer's rule since signals existed).
  EXPECT_EQ(signal_action({true, true, true}, false).exit_code, 130);
}

TEST(StopPolicy, SignalsOfRanksCombine) {
  StepSignals a{false, false, false};
  a |= StepSignals{true, false, false};
  a |= StepSignals{false, true, false};
  EXPECT_TRUE(a.checkpoint);
  EXPECT_TRUE(a.terminate);
  EXPECT_FALSE(a.interrupt);
}

TEST(StopPolicy, SkipStreakStopsAtTheLimitAndResets) {
  SkipStreak s(3);
  EXPECT_FALSE(s.on_skipped());
  EXPECT_FALSE(s.on_skipped());
  s.on_finite();
  EXPECT_EQ(s.streak(), 0);
  EXPECT_FALSE(s.on_skipped());
  EXPECT_FALSE(s.on_skipped());
  EXPECT_TRUE(s.on_skipped());  // third in a row
  EXPECT_EQ(SkipStreak().limit(), 100);
}
