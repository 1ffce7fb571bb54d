// Tests StepRing (s2s/dist/step_ring.h), the bounded FIFO of per-step event slots behind the NCCL
// reducer's host-wait-free step, with a fake device: a slot's "events" are a completion flag the
// test sets, and the callbacks log what the ring asked for. Expected slot sequences are worked by
// hand from the rules (FIFO, slot = (head + in flight) mod depth, wait only when full).
#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/dist/step_ring.h"

namespace s2s::dist {
namespace {

// A fake device: step s was recorded into slot slot_of[s]; complete[slot] says whether the device
// has finished the step now in that slot. Calls are logged as "w<slot>" (wait) and "d<slot>" (done).
struct FakeDevice {
  explicit FakeDevice(std::size_t depth) : complete(depth, false), step_in(depth, -1) {}
  std::vector<bool> complete;
  std::vector<int> step_in;  // which step each slot holds
  std::vector<int> read;     // steps read, in order
  std::string log;

  auto wait() {
    return [this](std::size_t slot) {
      log += 'w';  // (two appends: GCC 12 warns falsely on "w" + std::string)
      log += std::to_string(slot);
      complete[slot] = true;  // waiting means: the device got there
    };
  }
  auto done() {
    return [this](std::size_t slot) {
      log += 'd';
      log += std::to_string(slot);
      EXPECT_TRUE(complete[slot]) << "slot " << slot << " read before its events completed";
      read.push_back(step_in[slot]);
    };
  }
  auto is_complete() {
    return [this](std::size_t slot) { return bool(complete[slot]); };
  }
  // One host step: open (maybe waiting), record, commit.
  std::size_t step(StepRing& ring, int s) {
    const std::size_t slot = ring.open(wait(), done());
    complete[slot] = false;
    step_in[slot] = s;
    ring.commit();
    return slot;
  }
};

TEST(StepRing, HostRunsAheadUpToDepthThenWaitsForTheOldest) {
  StepRing ring(3);
  FakeDevice dev(3);
  // Three steps fit without any wait: slots 0, 1, 2.
  EXPECT_EQ(dev.step(ring, 0), 0u);
  EXPECT_EQ(dev.step(ring, 1), 1u);
  EXPECT_EQ(dev.step(ring, 2), 2u);
  EXPECT_EQ(dev.log, "");
  EXPECT_EQ(ring.in_flight(), 3u);
  // The fourth waits for step 0 (slot 0), reads it, and reuses slot 0.
  EXPECT_EQ(dev.step(ring, 3), 0u);
  EXPECT_EQ(dev.log, "w0d0");
  EXPECT_EQ(ring.in_flight(), 3u);
  EXPECT_EQ(dev.step(ring, 4), 1u);
  EXPECT_EQ(dev.log, "w0d0w1d1");
  EXPECT_EQ(dev.read, (std::vector<int>{0, 1}));
}

TEST(StepRing, HarvestReadsCompletedStepsInOrderAndStopsAtTheFirstIncomplete) {
  StepRing ring(4);
  FakeDevice dev(4);
  for (int s = 0; s < 4; ++s) dev.step(ring, s);
  // Steps 0 and 2 complete, 1 not: FIFO order means only step 0 can be read now.
  dev.complete[0] = dev.complete[2] = true;
  EXPECT_EQ(ring.harvest(dev.is_complete(), dev.done()), 1u);
  EXPECT_EQ(dev.read, (std::vector<int>{0}));
  EXPECT_EQ(ring.in_flight(), 3u);
  dev.complete[1] = true;
  EXPECT_EQ(ring.harvest(dev.is_complete(), dev.done()), 2u);
  EXPECT_EQ(dev.read, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(ring.in_flight(), 1u);
  EXPECT_EQ(ring.harvest(dev.is_complete(), dev.done()), 0u);  // step 3 still running
  EXPECT_EQ(dev.log.find('w'), std::string::npos) << "harvest must never wait: " << dev.log;
  // The next step goes to slot (head 3 + 1 in flight) mod 4 = 0, without waiting.
  EXPECT_EQ(dev.step(ring, 4), 0u);
  EXPECT_EQ(dev.log.find('w'), std::string::npos);
}

TEST(StepRing, DrainWaitsForEveryCommittedStepButNotTheOpenOne) {
  StepRing ring(4);
  FakeDevice dev(4);
  for (int s = 0; s < 3; ++s) dev.step(ring, s);
  const std::size_t open = ring.open(dev.wait(), dev.done());
  EXPECT_EQ(open, 3u);
  EXPECT_EQ(ring.drain(dev.wait(), dev.done()), 3u);
  EXPECT_EQ(dev.log, "w0d0w1d1w2d2");
  EXPECT_EQ(ring.in_flight(), 0u);
  EXPECT_TRUE(ring.is_open());
  EXPECT_EQ(ring.open_slot(), 3u);  // the open step keeps its slot
  ring.commit();
  EXPECT_EQ(ring.in_flight(), 1u);
  EXPECT_EQ(ring.drain(dev.wait(), dev.done()), 1u);
  EXPECT_EQ(ring.drain(dev.wait(), dev.done()), 0u);
}

TEST(StepRing, DepthOneWaitsForThePreviousStepEveryTime) {
  StepRing ring(1);
  FakeDevice dev(1);
  for (int s = 0; s < 5; ++s) EXPECT_EQ(dev.step(ring, s), 0u);
  EXPECT_EQ(dev.log, "w0d0w0d0w0d0w0d0");
  EXPECT_EQ(dev.read, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(ring.in_flight(), 1u);
}

TEST(StepRing, ManyStepsNeverExceedTheDepthAndReadEachStepOnce) {
  constexpr std::size_t kDepth = 4;
  StepRing ring(kDepth);
  FakeDevice dev(kDepth);
  const int steps = 1000;
  for (int s = 0; s < steps; ++s) {
    dev.step(ring, s);
    EXPECT_LE(ring.in_flight(), kDepth);
    if (s % 7 == 3) {  // the device catches up now and then
      for (std::size_t k = 0; k < ring.in_flight(); ++k) dev.complete[ring.slot_in_flight(k)] = true;
      ring.harvest(dev.is_complete(), dev.done());
    }
  }
  ring.drain(dev.wait(), dev.done());
  ASSERT_EQ(dev.read.size(), static_cast<std::size_t>(steps));
  for (int s = 0; s < steps; ++s) ASSERT_EQ(dev.read[s], s);
}

TEST(StepRing, AWaitThatThrowsLeavesTheStepInFlight) {
  StepRing ring(2);
  FakeDevice dev(2);
  dev.step(ring, 0);
  dev.step(ring, 1);
  auto failing_wait = [](std::size_t) { throw std::runtime_error("deadline"); };
  EXPECT_THROW(ring.open(failing_wait, dev.done()), std::runtime_error);
  EXPECT_FALSE(ring.is_open());
  EXPECT_EQ(ring.in_flight(), 2u);
  EXPECT_THROW(ring.drain(failing_wait, dev.done()), std::runtime_error);
  EXPECT_EQ(ring.in_flight(), 2u);
  EXPECT_TRUE(dev.read.empty());
}

TEST(StepRing, ADoneThatThrowsStillReleasesTheSlot) {
  StepRing ring(2);
  FakeDevice dev(2);
  dev.step(ring, 0);
  dev.complete[0] = true;
  auto failing_done = [](std::size_t) { throw std::runtime_error("elapsed time"); };
  EXPECT_THROW(ring.harvest(dev.is_complete(), failing_done), std::runtime_error);
  EXPECT_EQ(ring.in_flight(), 0u);
}

TEST(StepRing, MisuseIsReported) {
  EXPECT_THROW(StepRing(0), Error);
  EXPECT_THROW(StepRing(StepRing::kMaxDepth + 1), Error);
  StepRing ring(2);
  FakeDevice dev(2);
  EXPECT_THROW(ring.commit(), Error);
  EXPECT_THROW(ring.open_slot(), Error);
  EXPECT_THROW(ring.slot_in_flight(0), Error);
  ring.open(dev.wait(), dev.done());
  EXPECT_THROW(ring.open(dev.wait(), dev.done()), Error);
  ring.abandon();
  EXPECT_FALSE(ring.is_open());
  EXPECT_EQ(ring.in_flight(), 0u);
  EXPECT_EQ(ring.open(dev.wait(), dev.done()), 0u);  // the abandoned slot is free again
}

}  // namespace
}  // namespace s2s::dist
