// Owns: `s2s train` configuration errors as a user meets them (issue "Trainer" item 10): a bad
// key, a bad value, a value of the wrong type (from --set and from a YAML file), and a config
// that disagrees with the dataset (vocabulary sizes, buckets) must exit 1 before training, with
// one message naming the key, the offending value and what is allowed; no checkpoint is written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

class ConfigErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dataset_ = tmp_ / "tiny.h5";
    make_dataset(dataset_);
  }
  // s2s train with the tiny config plus `extra` (later assignments win).
  ProcessResult train(const std::vector<std::string>& extra, const std::vector<std::string>& args = {}) {
    auto sets = tiny_overrides(dataset_, tmp_ / "train");
    sets.push_back("train.max_steps=2");
    sets.insert(sets.end(), extra.begin(), extra.end());
    std::vector<std::string> argv{"train"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const auto& a : as_set_args(sets)) argv.push_back(a);
    return run_s2s(argv, tmp_.path());
  }
  void expect_failed_before_training(const ProcessResult& r) {
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("s2s: error:"));
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "train/latest")) << "a failed config must not train";
  }
  TempDir tmp_;
  std::string dataset_;
};

TEST_F(ConfigErrors, UnknownKeyIsNamedWithASuggestion) {
  auto r = train({"model.sizee=8"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("unknown key 'model.sizee'"), HasSubstr("did you mean 'model.size'")));
}

TEST_F(ConfigErrors, UnknownKeyInYamlNamesFileAndLine) {
  const std::string yaml = tmp_ / "bad.yaml";
  write_file(yaml, "model:\n  size: 8\noptim:\n  learnin_rate: 0.1\n");
  auto r = train({}, {"--config", yaml});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr(yaml + ":4"), HasSubstr("unknown key 'optim.learnin_rate'"),
                           HasSubstr("did you mean 'optim.learning_rate'")));
}

TEST_F(ConfigErrors, UnknownSectionInYaml) {
  const std::string yaml = tmp_ / "bad.yaml";
  write_file(yaml, "modle:\n  size: 8\n");
  auto r = train({}, {"--config", yaml});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, HasSubstr("unknown key 'modle'"));
}

TEST_F(ConfigErrors, BadChoiceListsAllowedValues) {
  auto r = train({"model.cell=rnn"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("model.cell"), HasSubstr("'rnn'"), HasSubstr("one of gru | lstm")));
  r = train({"optim.optimizer=adagrad"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("optim.optimizer"), HasSubstr("sgd | momentum | adam")));
}

TEST_F(ConfigErrors, OutOfRangeValueNamesTheRange) {
  auto r = train({"model.input_keep_prob=1.5"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("model.input_keep_prob"), HasSubstr("'1.5'"), HasSubstr("(0, 1]")));
  r = train({"train.batch_size=0"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("train.batch_size"), HasSubstr(">= 1")));
}

TEST_F(ConfigErrors, WrongTypeNamesTheExpectedType) {
  auto r = train({"train.batch_size=many"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("train.batch_size"), HasSubstr("'many'"), HasSubstr("expected an int >= 1")));
  r = train({"model.attention=maybe"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("model.attention"), HasSubstr("true | false")));
  const std::string yaml = tmp_ / "type.yaml";
  write_file(yaml, "train:\n  batch_size: [4, 8]\n");
  r = train({}, {"--config", yaml});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr(yaml), HasSubstr("train.batch_size"), HasSubstr("(a YAML sequence)")));
}

TEST_F(ConfigErrors, MalformedBuckets) {
  auto r = train({"data.buckets=[[3,4],[5]]"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("data.buckets"), HasSubstr("[encoder_len, decoder_len] pairs")));
}

TEST_F(ConfigErrors, VocabularyMismatchWithDataset) {
  auto r = train({"model.source_vocab_size=99"});
  expect_failed_before_training(r);
  // The key, both sizes, the dataset, and what would be accepted.
  EXPECT_THAT(r.err, AllOf(HasSubstr("model.source_vocab_size = 99"), HasSubstr(dataset_), HasSubstr("12"),
                           HasSubstr("0")));
  r = train({"model.target_vocab_size=13"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("model.target_vocab_size = 13"), HasSubstr(dataset_), HasSubstr("12")));
}

TEST_F(ConfigErrors, MatchingVocabularyIsAccepted) {
  auto r = train({"model.source_vocab_size=12", "model.target_vocab_size=12", "data.buckets=[[3,4],[5,6]]"});
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(ConfigErrors, BucketsMismatchWithDataset) {
  auto r = train({"data.buckets=[[3,4],[6,8]]"});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("data.buckets"), HasSubstr("[[3, 4], [6, 8]]"), HasSubstr(dataset_),
                           HasSubstr("[[3, 4], [5, 6]]")));
}

TEST_F(ConfigErrors, MissingDatasetIsNamed) {
  auto r = train({"data.dataset=" + (tmp_ / "nope.h5")});
  expect_failed_before_training(r);
  EXPECT_THAT(r.err, HasSubstr(tmp_ / "nope.h5"));
}

TEST_F(ConfigErrors, MissingConfigFileIsNamed) {
  auto r = train({}, {"--config", tmp_ / "nope.yaml"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(tmp_ / "nope.yaml"));
}

}  // namespace
}  // namespace s2s::itest
