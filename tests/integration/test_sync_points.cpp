// Owns: the trainer's sync points (trainer.h, train.sync_every) end to end on the CPU, where the
// same deferred path runs as on CUDA: reading the step history every N steps instead of every
// step must change nothing a user can see except when the host learns about it:
//   * the same run (per-step loss, gradient norm, tokens, learning rate in metrics.jsonl, and the
//     final checkpoint bit for bit) for sync_every 1 and 5, with sampled softmax, dropout, Adam
//     and clipping (the clip scale is computed on the device from the norm² in both);
//   * nan_policy stop still names the first non-finite step, and no checkpoint is written after it;
//   * nan_policy skip with sync_every > 1 is a config error naming both keys;
//   * SIGTERM stops at the next sync point with a checkpoint that resumes exactly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "s2s/core/error.h"
#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

class SyncPoints : public ::testing::Test {
 protected:
  void SetUp() override { make_dataset(dataset_ = tmp_ / "tiny.h5"); }
  std::vector<std::string> sets(const std::string& dir, const std::vector<std::string>& extra) {
    auto s = tiny_overrides(dataset_, dir);
    s.insert(s.end(), extra.begin(), extra.end());
    return s;
  }
  TempDir tmp_;
  std::string dataset_;
};

// step -> {loss, grad_norm, learning_rate, bucket} from metrics.jsonl.
std::map<std::int64_t, std::vector<double>> step_records(const std::string& train_dir) {
  std::ifstream in(train_dir + "/metrics.jsonl");
  std::map<std::int64_t, std::vector<double>> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("kind", "") != "step") continue;
    out[j.at("step").get<std::int64_t>()] = {j.at("loss").get<double>(), j.at("grad_norm").get<double>(),
                                             j.at("learning_rate").get<double>(), j.at("bucket").get<double>()};
  }
  return out;
}

TEST_F(SyncPoints, DeferredReadsGiveTheSameRun) {
  const std::vector<std::string> model = {"model.num_samples=4", "model.input_keep_prob=0.8",
                                          "model.output_keep_prob=0.7", "optim.optimizer=adam",
                                          "optim.learning_rate=0.01", "optim.max_gradient_norm=0.5",
                                          "train.max_steps=13", "train.steps_per_checkpoint=6"};
  // Reference: a read every step. Deferred: log_every 0, so only sync_every, the checkpoint steps
  // and the last step force a read; every step must still be logged at its sync point.
  auto every = model, deferred = model;
  every.insert(every.end(), {"train.sync_every=1", "train.log_every=1"});
  deferred.insert(deferred.end(), {"train.sync_every=5", "train.log_every=0"});
  const std::string a = tmp_ / "every", b = tmp_ / "deferred";
  auto ra = train_local(make_config(sets(a, every)));
  auto rb = train_local(make_config(sets(b, deferred)));
  ASSERT_EQ(ra.global_step, 13);
  ASSERT_EQ(rb.global_step, 13);
  EXPECT_EQ(compare_checkpoints(ra.last_checkpoint, rb.last_checkpoint), "");
  EXPECT_EQ(checkpoint_steps(a), checkpoint_steps(b));
  const auto ma = step_records(a), mb = step_records(b);
  ASSERT_EQ(ma.size(), 13u);
  ASSERT_EQ(mb.size(), 13u) << "every step is logged, even between sync points";
  for (const auto& [step, rec] : ma) {
    ASSERT_EQ(mb.count(step), 1u) << "step " << step;
    EXPECT_EQ(mb.at(step), rec) << "step " << step;
    EXPECT_GT(rec[1], 0.0) << "gradient norm of step " << step;
  }
}

TEST_F(SyncPoints, StopNamesTheFirstNonFiniteStepWhenDeferred) {
  const std::string dir = tmp_ / "train";
  // An update that overflows the parameters (nan_policy test): step 2 is the first non-finite one,
  // found at the sync point after step 6; the checkpoint of step 4 must not be written.
  auto cfg = make_config(sets(dir, {"optim.learning_rate=1e30", "optim.max_gradient_norm=0", "train.max_steps=20",
                                    "train.steps_per_checkpoint=8", "train.sync_every=6"}));
  std::string error = "(no error)";
  try {
    train_local(cfg);
  } catch (const Error& e) {
    error = e.what();
  }
  EXPECT_THAT(error, AllOf(HasSubstr("at step 2"), HasSubstr("train.nan_policy = stop")));
  EXPECT_TRUE(checkpoint_steps(dir).empty());
}

TEST_F(SyncPoints, SkipNeedsEveryStep) {
  try {
    make_config(sets(tmp_ / "t", {"train.nan_policy=skip", "train.sync_every=4"}));
    FAIL() << "accepted nan_policy skip with sync_every 4";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr("train.sync_every = 4"), HasSubstr("train.nan_policy = skip")));
  }
  EXPECT_NO_THROW(make_config(sets(tmp_ / "t", {"train.nan_policy=skip", "train.sync_every=1"})));
}

TEST_F(SyncPoints, TermStopsAtTheNextSyncPointAndResumesExactly) {
  const std::string dir = tmp_ / "run";
  const auto run_sets = sets(dir, {"train.max_steps=0", "train.steps_per_checkpoint=1000000", "train.eval=full",
                                   "train.sync_every=5"});
  std::vector<std::string> argv{s2s_binary(), "train"};
  for (const auto& a : as_set_args(run_sets)) argv.push_back(a);
  argv.push_back("--set");
  argv.push_back("train.log_every=5");
  Child child(argv, tmp_ / "term");
  ASSERT_TRUE(child.wait_for_output("step 5 |", 60)) << child.out() << child.err();
  child.signal(SIGTERM);
  auto code = child.wait(60);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 143) << child.err();
  std::smatch m;
  const std::string out = child.out() + child.err();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("stopping on a signal after step ([0-9]+)"))) << out;
  const std::int64_t step = std::stoll(m[1]);
  EXPECT_EQ(step % 5, 0) << "the flag is read at a sync point";
  EXPECT_GE(step, 10);
  ASSERT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{step}));
  // The checkpoint equals a straight run to that step.
  const std::string straight = tmp_ / "straight";
  auto s = sets(straight, {"train.max_steps=" + std::to_string(step), "train.steps_per_checkpoint=1000000",
                           "train.eval=full", "train.sync_every=5"});
  train_local(make_config(s));
  EXPECT_EQ(compare_checkpoints(dir + "/ckpt-" + std::to_string(step) + ".h5",
                                straight + "/ckpt-" + std::to_string(step) + ".h5"),
            "");
}

}  // namespace
}  // namespace s2s::itest
