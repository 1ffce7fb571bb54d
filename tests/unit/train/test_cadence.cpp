// The loop's cadence as a pure function of step counters: sync points, checkpoint, validation and
// final-save decisions against hand-worked schedules (never against the loop itself).
#include <gtest/gtest.h>

#include <vector>

#include "s2s/train/cadence.h"

using s2s::train::Cadence;

namespace {
std::vector<std::int64_t> steps_where(std::int64_t last, auto pred) {
  std::vector<std::int64_t> out;
  for (std::int64_t s = 1; s <= last; ++s)
    if (pred(s)) out.push_back(s);
  return out;
}
}  // namespace

TEST(Cadence, CheckpointStepsAreMultiplesOfStepsPerCheckpoint) {
  const Cadence c{4, 0, 0, 0};
  EXPECT_EQ(steps_where(13, [&](auto s) { return c.is_checkpoint(s); }), (std::vector<std::int64_t>{4, 8, 12}));
}

TEST(Cadence, ValidationEveryNthCheckpoint) {
  const Cadence c{4, 0, 0, 3};  // checkpoints at 4, 8, 12, ...: validate at the 3rd, 6th, ...
  EXPECT_EQ(steps_where(40, [&](auto s) { return c.is_validation(s); }), (std::vector<std::int64_t>{12, 24, 36}));
  const Cadence every{5, 0, 0, 1};
  EXPECT_EQ(steps_where(16, [&](auto s) { return every.is_validation(s); }), (std::vector<std::int64_t>{5, 10, 15}));
  const Cadence off{4, 0, 0, 0};
  EXPECT_TRUE(steps_where(100, [&](auto s) { return off.is_validation(s); }).empty());
  EXPECT_FALSE(every.is_validation(0));  // step 0 is never validated (nothing trained)
}

TEST(Cadence, SyncAfterCheckpointLogLastOrFullHistory) {
  const Cadence c{6, 4, 10, 0};
  // checkpoints 6; logs 4, 8; last step 10.
  EXPECT_EQ(steps_where(12, [&](auto s) { return c.sync_after(s, false); }),
            (std::vector<std::int64_t>{4, 6, 8, 10, 11, 12}));
  EXPECT_TRUE(c.sync_after(3, /*history_full=*/true));
  const Cadence no_log{6, 0, 0, 0};
  EXPECT_EQ(steps_where(13, [&](auto s) { return no_log.sync_after(s, false); }), (std::vector<std::int64_t>{6, 12}));
}

TEST(Cadence, KeepRunningUntilMaxSteps) {
  const Cadence bounded{4, 0, 10, 0};
  EXPECT_TRUE(bounded.keep_running(9));
  EXPECT_FALSE(bounded.keep_running(10));
  EXPECT_FALSE(bounded.keep_running(11));
  const Cadence open{4, 0, 0, 0};
  EXPECT_TRUE(open.keep_running(1'000'000));
}

TEST(Cadence, FinalSaveOnlyWhenTheLastStepIsNotSavedYet) {
  const Cadence c{4, 0, 10, 0};
  EXPECT_FALSE(c.final_save_needed(0, false));  // nothing trained
  EXPECT_TRUE(c.final_save_needed(10, true));   // 10 is not a checkpoint step
  EXPECT_FALSE(c.final_save_needed(8, true));   // the checkpoint step just saved it
  EXPECT_TRUE(c.final_save_needed(8, false));   // resumed at 8 and saved nothing this run
}

TEST(Cadence, FromConfig) {
  s2s::config::TrainConfig cfg;
  cfg.train.steps_per_checkpoint = 7;
  cfg.train.log_every = 3;
  cfg.train.max_steps = 50;
  cfg.train.validate_every = 2;
  const Cadence c = Cadence::from(cfg.train);
  EXPECT_EQ(c.steps_per_checkpoint, 7);
  EXPECT_EQ(c.log_every, 3);
  EXPECT_EQ(c.max_steps, 50);
  EXPECT_EQ(c.validate_every, 2);
}
