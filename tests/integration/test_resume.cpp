// Owns: bitwise-exact resume (issue "Trainer" item 10): N steps + checkpoint + resume + M steps
// must give bitwise the same checkpoint (parameters, optimizer slots, update count, learning rate
// and plateau history, RNG positions, sampler cursor, loop accumulators) as N+M steps straight,
// at stop points exactly on a checkpoint step, inside a checkpoint window (stopped by max_steps),
// mid-epoch and after an epoch boundary; for SGD with plateau decay, momentum, Adam, sampled
// softmax, dropout, both sampler modes, and an LSTM/2-layer/clipping/warm-up mix.
// The reference is the straight run, an independent computation of the same steps: any state the
// checkpoint forgets (or the resume path mis-restores) makes the later steps differ.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support.h"

namespace s2s::itest {
namespace {

struct Scenario {
  std::string name;
  std::vector<std::string> extra;  // --set assignments on top of tiny_overrides
  std::int64_t total;              // N + M
  std::int64_t steps_per_checkpoint;
  std::vector<std::int64_t> stops;  // N values
  bool expect_decay = false;        // the plateau rule must fire in the straight run
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

// One shared dataset per test binary run (48 pairs: bucket 0 ~ a third, so a bucket epoch
// lasts a few steps and every scenario crosses epoch boundaries).
const std::string& dataset_path() {
  static TempDir dir;
  static const std::string path = [] {
    std::string p = dir / "tiny.h5";
    make_dataset(p);
    return p;
  }();
  return path;
}

std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// "b0 5/16 (epoch 0) b1 36/32 (epoch 1)"
std::string describe_cursor(const std::string& path, bool* mid_epoch, bool* past_epoch) {
  const auto st = checkpoint::read_checkpoint(path);
  const auto& c = st.sampler_cursor;
  const auto buckets = c.at("num_buckets");
  std::string s;
  for (std::int64_t b = 0; b < buckets; ++b) {
    const auto pos = c.at("bucket_" + std::to_string(b) + "_position");
    const auto size = c.at("bucket_" + std::to_string(b) + "_size");
    if (pos % size != 0) *mid_epoch = true;
    if (pos >= size) *past_epoch = true;
    s += " b" + std::to_string(b) + " " + std::to_string(pos) + "/" + std::to_string(size) + " (epoch " +
         std::to_string(pos / size) + ")";
  }
  return s;
}

class ResumeExact : public ::testing::TestWithParam<Scenario> {};

TEST_P(ResumeExact, StoppedAndResumedEqualsStraight) {
  const Scenario& sc = GetParam();
  TempDir tmp;
  const std::string straight_dir = tmp / "straight";
  auto base = with(tiny_overrides(dataset_path(), straight_dir), sc.extra);
  base.push_back("train.steps_per_checkpoint=" + std::to_string(sc.steps_per_checkpoint));

  auto straight = train_local(make_config(with(base, {"train.max_steps=" + std::to_string(sc.total)})));
  ASSERT_EQ(straight.global_step, sc.total);
  ASSERT_EQ(straight.last_checkpoint, ckpt(straight_dir, sc.total));
  if (sc.expect_decay) {  // otherwise the scenario would not test the plateau history
    const auto st = checkpoint::read_checkpoint(straight.last_checkpoint);
    EXPECT_EQ(st.previous_losses.size(), static_cast<std::size_t>(sc.total / sc.steps_per_checkpoint));
    EXPECT_LT(st.learning_rate, make_config(base).optim.learning_rate) << "the plateau rule never fired";
  }

  bool any_mid_epoch = false, any_past_epoch = false;
  for (std::int64_t stop : sc.stops) {
    SCOPED_TRACE("stop at step " + std::to_string(stop));
    const std::string dir = tmp / ("stop" + std::to_string(stop));
    auto cfg = with(base, {"train.train_dir=" + dir});
    auto first = train_local(make_config(with(cfg, {"train.max_steps=" + std::to_string(stop)})));
    ASSERT_EQ(first.global_step, stop);
    ASSERT_EQ(first.last_checkpoint, ckpt(dir, stop));
    bool mid = false, past = false;
    const std::string where = describe_cursor(ckpt(dir, stop), &mid, &past);
    any_mid_epoch |= mid;
    any_past_epoch |= past;
    std::printf("[resume %s] stop %lld%s:%s\n", sc.name.c_str(), static_cast<long long>(stop),
                stop % sc.steps_per_checkpoint == 0 ? " (checkpoint step)" : " (mid window)", where.c_str());
    // The run that stopped at `stop` is the straight run's prefix.
    if (stop % sc.steps_per_checkpoint == 0) {
      EXPECT_EQ(compare_checkpoints(ckpt(dir, stop), ckpt(straight_dir, stop)), "");
    }

    auto second = train_local(make_config(with(cfg, {"train.max_steps=" + std::to_string(sc.total), "train.resume=auto"})));
    ASSERT_EQ(second.global_step, sc.total);
    // Every checkpoint the resumed run wrote equals the straight run's at that step.
    int compared = 0;
    for (std::int64_t s : checkpoint_steps(dir)) {
      if (s <= stop) continue;
      SCOPED_TRACE("checkpoint step " + std::to_string(s));
      EXPECT_EQ(compare_checkpoints(ckpt(dir, s), ckpt(straight_dir, s)), "");
      ++compared;
    }
    EXPECT_GE(compared, 1);
  }
  // The scenario exercised what its stop points claim.
  EXPECT_TRUE(any_mid_epoch) << "no stop point was in the middle of a bucket epoch";
  EXPECT_TRUE(any_past_epoch) << "no stop point came after an epoch boundary";
}

const Scenario kScenarios[] = {
    // Plateau decay checked every 2 steps with a large rate: the decay fires (checked below).
    {"sgd_plateau",
     {"optim.optimizer=sgd", "optim.learning_rate=2.0", "optim.learning_rate_decay_factor=0.5", "optim.decay=plateau"},
     16, 2, {2, 5, 8, 11}, true},
    {"momentum", {"optim.optimizer=momentum", "optim.learning_rate=0.1", "optim.momentum=0.9"}, 12, 4, {4, 9}},
    {"adam", {"optim.optimizer=adam", "optim.learning_rate=0.01"}, 12, 4, {4, 6, 9}},
    {"sampled_softmax", {"model.num_samples=4"}, 12, 4, {4, 9}},
    {"dropout", {"model.input_keep_prob=0.8", "model.output_keep_prob=0.7"}, 12, 4, {7, 8}},
    {"fidelity_sampler", {"data.sampler=fidelity"}, 12, 4, {4, 9}},
    {"lstm_mix",
     {"model.cell=lstm", "model.num_layers=2", "model.num_samples=5", "model.input_keep_prob=0.9",
      "optim.optimizer=adam", "optim.learning_rate=0.02", "optim.max_gradient_norm=0.05", "optim.warmup_steps=3",
      "data.sampler=fidelity"},
     11, 3, {3, 8}},
};

INSTANTIATE_TEST_SUITE_P(Scenarios, ResumeExact, ::testing::ValuesIn(kScenarios),
                         [](const ::testing::TestParamInfo<Scenario>& i) { return i.param.name; });

// --resume PATH (an older checkpoint, into a fresh train_dir) continues exactly too.
TEST(ResumeExact, ExplicitPathIntoAnotherFolder) {
  TempDir tmp;
  const std::string a = tmp / "a", b = tmp / "b";
  auto base = with(tiny_overrides(dataset_path(), a), {"optim.optimizer=adam", "optim.learning_rate=0.01"});
  train_local(make_config(with(base, {"train.max_steps=12"})));
  auto r = train_local(make_config(
      with(base, {"train.train_dir=" + b, "train.max_steps=12", "train.resume=" + ckpt(a, 4)})));
  ASSERT_EQ(r.global_step, 12);
  EXPECT_EQ(checkpoint_steps(b), (std::vector<std::int64_t>{8, 12}));
  EXPECT_EQ(compare_checkpoints(ckpt(b, 12), ckpt(a, 12)), "");
}

// Control: the comparison is sensitive. A run with another seed, or one step more, differs.
TEST(ResumeExact, ComparisonDetectsDifferences) {
  TempDir tmp;
  auto base = tiny_overrides(dataset_path(), tmp / "a");
  train_local(make_config(with(base, {"train.max_steps=8"})));
  train_local(make_config(with(base, {"train.max_steps=8", "train.train_dir=" + (tmp / "b"), "train.seed=8"})));
  EXPECT_NE(compare_checkpoints(ckpt(tmp / "a", 8), ckpt(tmp / "b", 8)), "");
  // Same parameters but a different data seed: the cursor differs even where weights might not.
  train_local(make_config(with(base, {"train.max_steps=8", "train.train_dir=" + (tmp / "c"), "data.seed=4"})));
  EXPECT_NE(compare_checkpoints(ckpt(tmp / "a", 8), ckpt(tmp / "c", 8)), "");
}

}  // namespace
}  // namespace s2s::itest
