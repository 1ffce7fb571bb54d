// Tests of the resume check (train/resume_check.h) on hand-made configs: which differences pass,
// which are refused and how the error names them, --allow-config-change, the global-batch rule
// for another world size, and the dataset's vocabularies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "s2s/core/error.h"
#include "s2s/train/resume_check.h"

namespace s2s::train {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

config::TrainConfig base() {
  config::TrainConfig c;
  config::config_apply_overrides(c, {"optim.learning_rate=0.5", "train.batch_size=8", "data.seed=3",
                                     "train.max_steps=100", "train.train_dir=/runs/a"});
  return c;
}

checkpoint::ModelAssets assets(int extra_tokens = 0) {
  checkpoint::ModelAssets a;
  a.source_vocab = {"_PAD", "_GO", "_EOS", "_UNK", "a", "b"};
  for (int i = 0; i < extra_tokens; ++i) a.source_vocab.push_back("x" + std::to_string(i));
  a.target_vocab = {"_PAD", "_GO", "_EOS", "_UNK", "c"};
  a.tokenizer = {"space", false};
  a.buckets = {{{5, 10}}};
  return a;
}

const std::string kFingerprint = "train: source sha256 aa, target sha256 bb, examples per bucket [3]";

checkpoint::CheckpointState saved(const config::TrainConfig& c, std::int64_t world_size = 1) {
  checkpoint::CheckpointState s;
  s.dataset_fingerprint = kFingerprint;
  s.config_yaml = config::config_to_yaml(c);
  s.world_size = world_size;
  s.assets = assets();
  return s;
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

config::TrainConfig with(std::vector<std::string> sets) {
  config::TrainConfig c = base();
  config::config_apply_overrides(c, sets);
  return c;
}

TEST(ResumeCheck, SameConfigPassesWithNothingToSay) {
  const ResumeCheck r = check_resume(saved(base()), "ck.h5", base(), 1, assets(), kFingerprint, false);
  EXPECT_TRUE(r.changes.empty());
  EXPECT_TRUE(r.notes.empty());
}

TEST(ResumeCheck, FreeKeysPassAndAreLogged) {
  const ResumeCheck r = check_resume(saved(base()), "ck.h5",
                                     with({"train.max_steps=200", "train.train_dir=/runs/b", "train.log_every=5",
                                           "dist.timeout_s=30"}),
                                     1, assets(), kFingerprint, false);
  ASSERT_EQ(r.changes.size(), 4u);
  EXPECT_THAT(r.notes, ::testing::Contains("resume changes train.max_steps: 100 -> 200"));
  EXPECT_THAT(r.notes, ::testing::Contains("resume changes train.train_dir: '/runs/a' -> '/runs/b'"));
}

TEST(ResumeCheck, ResultChangingKeysAreRefusedAllNamed) {
  const std::string e = error_of([] {
    check_resume(saved(base()), "ck.h5",
                 with({"optim.learning_rate=0.1", "train.batch_size=4", "data.seed=4", "train.max_steps=7"}), 1,
                 assets(), kFingerprint, false);
  });
  EXPECT_THAT(e, AllOf(HasSubstr("cannot resume from ck.h5"), HasSubstr("3 setting(s)"),
                       HasSubstr("optim.learning_rate: 0.5 -> 0.1"), HasSubstr("train.batch_size: 8 -> 4"),
                       HasSubstr("data.seed: 3 -> 4"), HasSubstr("--allow-config-change")));
  EXPECT_THAT(e, Not(HasSubstr("train.max_steps")));
}

TEST(ResumeCheck, AllowConfigChangeLogsEveryChange) {
  const ResumeCheck r = check_resume(saved(base()), "ck.h5", with({"optim.learning_rate=0.1", "model.size=64"}), 1,
                                     assets(), kFingerprint, true);
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_THAT(r.notes, ::testing::Contains(AllOf(HasSubstr("model.size: 1024 -> 64"), HasSubstr("allowed"))));
  EXPECT_THAT(r.notes, ::testing::Contains(AllOf(HasSubstr("optim.learning_rate: 0.5 -> 0.1"), HasSubstr("allowed"))));
}

TEST(ResumeCheck, BatchSizeMayFollowTheWorldSizeAtTheSameGlobalBatch) {
  // Saved: 2 ranks x 8. Resumed on 4 ranks x 4 = 16: the same global batch.
  const ResumeCheck r = check_resume(saved(base(), 2), "ck.h5", with({"train.batch_size=4"}), 4, assets(), kFingerprint, false);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_TRUE(r.changes[0].free_on_resume);
  EXPECT_THAT(r.notes.at(0), HasSubstr("global batch unchanged: 16"));
  // 3 ranks x 4 = 12 is another global batch.
  EXPECT_THAT(error_of([] { check_resume(saved(base(), 2), "ck.h5", with({"train.batch_size=4"}), 3, assets(), kFingerprint, false); }),
              HasSubstr("train.batch_size: 8 -> 4"));
}

TEST(ResumeCheck, AnotherVocabularyIsRefusedEvenWhenAllowed) {
  EXPECT_THAT(error_of([] { check_resume(saved(base()), "ck.h5", base(), 1, assets(2), kFingerprint, true); }),
              AllOf(HasSubstr("cannot resume from ck.h5"), HasSubstr("source vocabulary (6 tokens saved, 8 in the dataset)")));
  // A format-1 checkpoint has no assets to compare.
  checkpoint::CheckpointState old = saved(base());
  old.assets = {};
  EXPECT_NO_THROW(check_resume(old, "ck.h5", base(), 1, assets(2), kFingerprint, false));
}

TEST(ResumeCheck, OtherTrainingDataIsRefusedUnlessAllowed) {
  const std::string other = "train: source sha256 cc, target sha256 bb, examples per bucket [3]";
  EXPECT_THAT(error_of([&] { check_resume(saved(base()), "ck.h5", base(), 1, assets(), other, false); }),
              AllOf(HasSubstr("cannot resume from ck.h5"), HasSubstr("training data: " + kFingerprint + " -> " + other)));
  const ResumeCheck r = check_resume(saved(base()), "ck.h5", base(), 1, assets(), other, true);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_THAT(r.notes[0], AllOf(HasSubstr("training data"), HasSubstr("allowed")));
  // Older checkpoints record none: nothing to compare.
  checkpoint::CheckpointState old = saved(base());
  old.dataset_fingerprint.clear();
  EXPECT_NO_THROW(check_resume(old, "ck.h5", base(), 1, assets(), other, false));
}

TEST(ResumeCheck, UnreadableStoredConfigIsNotedNotFatal) {
  checkpoint::CheckpointState s = saved(base());
  s.config_yaml = "model:\n  no_such_option: 3\n";
  const ResumeCheck r = check_resume(s, "ck.h5", with({"optim.learning_rate=0.1"}), 1, assets(), kFingerprint, false);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_THAT(r.notes[0], HasSubstr("not readable by this s2s"));
}

TEST(ResumeCheck, DeclaredFreeAndFixedKeys) {
  // The examples of silent drift are fixed; run-length and reporting keys are free.
  for (const char* fixed : {"optim.learning_rate", "train.batch_size", "data.seed", "optim.optimizer", "model.size",
                            "train.seed", "data.sampler", "train.steps_per_checkpoint", "train.precision"})
    for (const auto& o : config::config_options())
      if (o.key == fixed) EXPECT_FALSE(o.free_on_resume) << fixed;
  for (const char* free : {"train.max_steps", "train.log_every", "train.train_dir", "train.resume",
                           "train.keep_checkpoints", "dist.timeout_s"})
    for (const auto& o : config::config_options())
      if (o.key == free) EXPECT_TRUE(o.free_on_resume) << free;
}

}  // namespace
}  // namespace s2s::train
