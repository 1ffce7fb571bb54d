// Owns: the CPU tests of PhaseTimer's accounting (kernels/phase_timer.h): with a hand-driven clock
// (exact, hand-computed charges: each interval to the phase of the boundary that opens it,
// repeated phases, stop(), the uncharged last interval, collect() forgetting the boundaries,
// reset(), empty), and with the real steady clock against sleeps and an independent wall clock.
// The CUDA time source is tested on a device in tests/gpu/test_phase_timer.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/phase_timer.h"

namespace s2s::kern {
namespace {

// A clock the test sets by hand; each mark reads the current value.
struct HandClock {
  double t = 0;
  PhaseTimer::NowFn fn() {
    return [this] { return t; };
  }
};

std::vector<std::string> names(const std::vector<PhaseTotal>& totals) {
  std::vector<std::string> out;
  for (const auto& t : totals) out.push_back(t.name);
  return out;
}

TEST(PhaseTimer, ChargesEachIntervalToThePhaseThatOpensIt) {
  HandClock c;
  PhaseTimer timer(c.fn());
  c.t = 10.0;
  timer.mark("a");
  c.t = 11.0;
  timer.mark("b");
  c.t = 13.5;
  timer.mark("c");
  c.t = 16.75;
  timer.stop();
  EXPECT_EQ(timer.pending_marks(), 4u);
  EXPECT_TRUE(timer.totals().empty()) << "nothing is charged before collect()";
  timer.collect();
  EXPECT_EQ(timer.pending_marks(), 0u);
  const auto t = timer.totals();
  ASSERT_EQ(names(t), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_DOUBLE_EQ(t[0].seconds, 1.0);
  EXPECT_DOUBLE_EQ(t[1].seconds, 2.5);
  EXPECT_DOUBLE_EQ(t[2].seconds, 3.25);
  for (const auto& p : t) EXPECT_EQ(p.count, 1) << p.name;
}

TEST(PhaseTimer, RepeatedPhasesAccumulateSecondsAndCounts) {
  HandClock c;
  PhaseTimer timer(c.fn());
  // Three "steps" of feed (1 s) then compute (2, 3, 4 s), the last ended by stop().
  for (int step = 0; step < 3; ++step) {
    timer.mark("feed");
    c.t += 1.0;
    timer.mark("compute");
    c.t += 2.0 + step;
  }
  timer.stop();
  timer.collect();
  const auto feed = timer.total("feed");
  const auto compute = timer.total("compute");
  EXPECT_DOUBLE_EQ(feed.seconds, 3.0);
  EXPECT_EQ(feed.count, 3);
  EXPECT_DOUBLE_EQ(compute.seconds, 9.0);
  EXPECT_EQ(compute.count, 3);
  // Totals keep the order in which the phases were first marked.
  EXPECT_EQ(names(timer.totals()), (std::vector<std::string>{"feed", "compute"}));
}

TEST(PhaseTimer, LastIntervalBeforeCollectIsNotCharged) {
  HandClock c;
  PhaseTimer timer(c.fn());
  timer.mark("a");
  c.t = 2.0;
  timer.mark("b");  // opens an interval that has no end at collect()
  c.t = 100.0;
  timer.collect();
  EXPECT_DOUBLE_EQ(timer.total("a").seconds, 2.0);
  EXPECT_EQ(timer.total("b").count, 0);
  EXPECT_EQ(names(timer.totals()), (std::vector<std::string>{"a"})) << "uncharged phases are not listed";
}

TEST(PhaseTimer, NothingIsChargedAfterStopUntilTheNextMark) {
  HandClock c;
  PhaseTimer timer(c.fn());
  timer.mark("a");
  c.t = 1.0;
  timer.stop();
  c.t = 50.0;  // 49 s outside any phase
  timer.mark("a");
  c.t = 52.0;
  timer.stop();
  timer.collect();
  EXPECT_DOUBLE_EQ(timer.total("a").seconds, 3.0);
  EXPECT_EQ(timer.total("a").count, 2);
}

TEST(PhaseTimer, CollectForgetsTheBoundariesAndTotalsAccumulateAcrossCollects) {
  HandClock c;
  PhaseTimer timer(c.fn());
  timer.mark("a");
  c.t = 1.0;
  timer.mark("b");
  timer.collect();  // a: 1 s; b's interval has no end and is forgotten
  c.t = 30.0;       // the gap between two collects is not charged to b
  timer.mark("b");
  c.t = 32.0;
  timer.mark("a");
  c.t = 36.0;
  timer.stop();
  timer.collect();
  EXPECT_DOUBLE_EQ(timer.total("a").seconds, 5.0);
  EXPECT_EQ(timer.total("a").count, 2);
  EXPECT_DOUBLE_EQ(timer.total("b").seconds, 2.0);
  EXPECT_EQ(timer.total("b").count, 1);
}

TEST(PhaseTimer, ResetForgetsTotalsAndPendingMarks) {
  HandClock c;
  PhaseTimer timer(c.fn());
  timer.mark("warm-up");
  c.t = 5.0;
  timer.stop();
  timer.collect();
  timer.mark("pending");
  c.t = 6.0;
  timer.reset();
  EXPECT_TRUE(timer.totals().empty());
  EXPECT_EQ(timer.pending_marks(), 0u);
  timer.mark("x");
  c.t = 6.5;
  timer.stop();
  timer.collect();
  ASSERT_EQ(names(timer.totals()), (std::vector<std::string>{"x"}));
  EXPECT_DOUBLE_EQ(timer.total("x").seconds, 0.5);
}

TEST(PhaseTimer, EmptyAndSingleMarkCollectsChargeNothing) {
  HandClock c;
  PhaseTimer timer(c.fn());
  timer.collect();
  EXPECT_TRUE(timer.totals().empty());
  timer.mark("only");
  c.t = 3.0;
  timer.collect();
  EXPECT_TRUE(timer.totals().empty());
  EXPECT_EQ(timer.total("never").count, 0);
  EXPECT_EQ(timer.total("never").seconds, 0.0);
  EXPECT_EQ(timer.total("never").name, "never");
  EXPECT_EQ(timer.skipped_marks(), 0);
}

TEST(PhaseTimer, EmptyClockIsRejected) { EXPECT_THROW(PhaseTimer(PhaseTimer::NowFn{}), Error); }

// The real CPU clock: sleeps give lower bounds per phase, and the phases of a stop()-ended
// sequence add up to the time between its first and last boundary, which lies inside a wall time
// measured independently around it.
TEST(PhaseTimer, SteadyClockChargesSleepsAndAddsUpToTheWallTime) {
  using namespace std::chrono_literals;
  PhaseTimer timer(Device::CPU);
  EXPECT_EQ(timer.device(), Device::CPU);
  const auto wall0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 2; ++i) {
    timer.mark("long");
    std::this_thread::sleep_for(30ms);
    timer.mark("short");
    std::this_thread::sleep_for(2ms);
  }
  timer.stop();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  timer.collect();
  const auto long_phase = timer.total("long");
  const auto short_phase = timer.total("short");
  EXPECT_EQ(long_phase.count, 2);
  EXPECT_EQ(short_phase.count, 2);
  EXPECT_GE(long_phase.seconds, 0.060);
  EXPECT_GE(short_phase.seconds, 0.004);
  EXPECT_LE(long_phase.seconds + short_phase.seconds, wall);
  EXPECT_GT(long_phase.seconds, short_phase.seconds);
}

// A CUDA timer needs the backend (no device here, or no CUDA in the build): it refuses to be made
// rather than timing nothing.
TEST(PhaseTimer, CudaTimerNeedsTheBackend) {
  if (cuda::initialized()) GTEST_SKIP() << "the CUDA backend is initialised in this process";
  EXPECT_THROW(PhaseTimer(Device::CUDA), Error);
}

}  // namespace
}  // namespace s2s::kern
