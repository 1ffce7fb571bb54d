// Owns: what a resume refuses (issue 15 item 5, "silent drift"), through the `s2s` binary: a
// resume whose config changes what the run computes (learning rate, batch size, data seed) ends
// with exit 1 naming every such key with both values and writes nothing; keys free on resume
// (max_steps, log_every, keep_checkpoints) pass and are logged; --allow-config-change logs the
// change and the new learning rate is the one the resumed run uses (read back from its
// checkpoint); a dataset with another vocabulary is refused even then, one with other training
// data (another recorded input hash) unless allowed. And the train_dir lock: a
// second job on a train_dir a running job holds exits 1 naming the holder's pid and host, and
// once the holder is SIGKILLed the lock is gone (a third job resumes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "s2s/io/h5_file.h"
#include "support.h"

namespace s2s::itest {
namespace {
namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class ResumeGuards : public ::testing::Test {
 protected:
  void SetUp() override {
    dataset_ = tmp_ / "tiny.h5";
    make_dataset(dataset_);
    dir_ = tmp_ / "run";
    // decay none: the learning rate a checkpoint holds is exactly the one the run used.
    train_local(make_config(sets({"train.max_steps=4"})));
    ASSERT_EQ(checkpoint_steps(dir_), (std::vector<std::int64_t>{4}));
  }
  std::vector<std::string> sets(const std::vector<std::string>& extra, const std::string& dataset = "",
                                 const std::string& dir = "") {
    auto s = tiny_overrides(dataset.empty() ? dataset_ : dataset, dir.empty() ? dir_ : dir);
    for (const char* a : {"optim.optimizer=adam", "optim.learning_rate=0.01", "optim.decay=none"}) s.push_back(a);
    s.insert(s.end(), extra.begin(), extra.end());
    return s;
  }
  ProcessResult train_cli(const std::vector<std::string>& extra, const std::vector<std::string>& flags = {},
                          const std::string& dataset = "", const std::string& dir = "") {
    std::vector<std::string> argv{"train"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    for (const auto& a : as_set_args(sets(extra, dataset, dir))) argv.push_back(a);
    return run_s2s(argv, tmp_.path());
  }
  TempDir tmp_;
  std::string dataset_, dir_;
};

TEST_F(ResumeGuards, ChangesThatAlterResultsAreRefusedNamingEveryKey) {
  const std::string latest_before = read_file(dir_ + "/latest");
  auto r = train_cli({"train.max_steps=8", "optim.learning_rate=0.02", "train.batch_size=3", "data.seed=9"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("cannot resume from " + ckpt(dir_, 4)), HasSubstr("3 setting(s)"),
                           HasSubstr("optim.learning_rate: 0.01 -> 0.02"), HasSubstr("train.batch_size: 4 -> 3"),
                           HasSubstr("data.seed: 3 -> 9"), HasSubstr("--allow-config-change")));
  EXPECT_THAT(r.err, Not(HasSubstr("train.max_steps: 4 -> 8 ")));  // free: not among the refused
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(checkpoint_steps(dir_), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(read_file(dir_ + "/latest"), latest_before);
}

TEST_F(ResumeGuards, FreeKeysResumeAndAreLogged) {
  auto r = train_cli({"train.max_steps=8", "train.log_every=2", "train.keep_checkpoints=3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("resuming from " + ckpt(dir_, 4) + " (step 4"),
                           HasSubstr("resume changes train.max_steps: 4 -> 8"),
                           HasSubstr("resume changes train.log_every: 0 -> 2")));
  EXPECT_EQ(checkpoint_steps(dir_), (std::vector<std::int64_t>{4, 8}));
}

TEST_F(ResumeGuards, AllowConfigChangeLogsAndAppliesTheNewRate) {
  auto r = train_cli({"train.max_steps=8", "optim.learning_rate=0.02"}, {"--allow-config-change"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("resume changes optim.learning_rate: 0.01 -> 0.02 (allowed by --allow-config-change"));
  EXPECT_EQ(checkpoint::read_checkpoint(ckpt(dir_, 4)).learning_rate, 0.01);
  EXPECT_EQ(checkpoint::read_checkpoint(ckpt(dir_, 8)).learning_rate, 0.02) << "the new rate was not applied";
  // Both checkpoints belong to one run.
  const std::string run = checkpoint::read_checkpoint(ckpt(dir_, 4)).run_id;
  EXPECT_EQ(run.size(), 32u);
  EXPECT_EQ(checkpoint::read_checkpoint(ckpt(dir_, 8)).run_id, run);
}

TEST_F(ResumeGuards, AnotherVocabularyIsRefusedEvenWhenChangesAreAllowed) {
  const std::string other = tmp_ / "other.h5";
  TinyData d;
  d.alphabet = 9;  // one more letter: another vocabulary
  make_dataset(other, d);
  auto r = train_cli({"train.max_steps=8"}, {"--allow-config-change"}, other);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("cannot resume from " + ckpt(dir_, 4)), HasSubstr(other),
                           HasSubstr("source vocabulary (12 tokens saved, 13 in the dataset)")));
  EXPECT_EQ(checkpoint_steps(dir_), (std::vector<std::int64_t>{4}));
}

TEST_F(ResumeGuards, OtherTrainingDataWithTheSameVocabularyIsRefused) {
  // The dataset copied, its recorded training-source hash changed: to s2s another corpus with the
  // same vocabularies (what a silently swapped dataset file looks like).
  const std::string other = tmp_ / "other.h5";
  fs::copy_file(dataset_, other);
  {
    io::File f = io::File::open(other, io::FileAccess::ReadWrite);
    io::Group train = f.open_group("train");
    const std::string sha = train.attribute_string("source_sha256");
    ASSERT_EQ(sha.size(), 64u);
    train.set_attribute("source_sha256", std::string(64, sha[0] == '0' ? '1' : '0'));
    train = io::Group();
    f.close();
  }
  auto r = train_cli({"train.max_steps=8"}, {}, other);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("cannot resume from " + ckpt(dir_, 4)), HasSubstr("training data: train: source sha256 ")));
  EXPECT_EQ(checkpoint_steps(dir_), (std::vector<std::int64_t>{4}));
  r = train_cli({"train.max_steps=8"}, {"--allow-config-change"}, other);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("resume changes training data"), HasSubstr("allowed by --allow-config-change")));
}

TEST_F(ResumeGuards, SecondJobOnALockedTrainDirExitsNamingTheHolder) {
  // The first job trains a fresh train_dir until stopped (max_steps 0), logging every step.
  const std::string dir = tmp_ / "locked";
  const std::vector<std::string> job = {"train.log_every=1", "train.eval=full"};
  std::vector<std::string> argv{s2s_binary(), "train"};
  for (const auto& a : as_set_args(sets(job, "", dir))) argv.push_back(a);
  argv.push_back("--set");
  argv.push_back("train.max_steps=0");
  Child first(argv, tmp_ / "first");
  ASSERT_TRUE(first.wait_for_output("step 2 |", 60)) << first.out() << first.err();
  auto with_max = [&](const char* max) {
    auto extra = job;
    extra.push_back(max);
    return extra;
  };
  auto second = train_cli(with_max("train.max_steps=4"), {}, "", dir);
  EXPECT_EQ(second.code, 1) << second.err;
  EXPECT_THAT(second.err, AllOf(HasSubstr("train_dir " + dir + " is in use by another training job"),
                                HasSubstr("pid " + std::to_string(first.pid()) + " on host ")));
  // A holder killed outright leaves no stale lock: the kernel released it.
  first.signal(SIGKILL);
  ASSERT_TRUE(first.wait(30).has_value());
  auto third = train_cli(with_max("train.max_steps=4"), {}, "", dir);  // ends at once if the first got further
  EXPECT_EQ(third.code, 0) << third.err;
  EXPECT_THAT(third.err, Not(HasSubstr("in use by another training job")));
}

}  // namespace
}  // namespace s2s::itest
