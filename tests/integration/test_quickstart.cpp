// Owns: "the quickstart config learns its task" (issue "Trainer" item 10): launch/quickstart.sh's
// pipeline through the binary — `s2s prepare --synthetic reverse`, `s2s train --config
// configs/quickstart.yaml` (only the data path, train_dir and a shorter schedule overridden:
// 3,000 pairs instead of 20,000, 400 steps instead of 1,500), `s2s eval`, `s2s decode` — must
// reach a full-softmax dev perplexity below 1.5 (an untrained model is near the vocabulary size,
// 24) and decode most dev sentences into exactly their reversal, checked here by reversing the
// source text, independently of the model. And the decode bucket rule (issue 13 item 4): dev
// lines of exactly I = 5 symbols, the first bucket's I, decode correctly with the default
// training rule (bucket (10, 15), where training put every length-5 pair), better than with
// translate's rule (bucket (5, 10), which training never showed a length-5 source).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.h"

namespace s2s::itest {
namespace {

std::string reversed_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  std::reverse(w.begin(), w.end());
  std::string out;
  for (const auto& t : w) out += (out.empty() ? "" : " ") + t;
  return out;
}

std::size_t word_count(const std::string& line) {
  std::istringstream in(line);
  std::size_t n = 0;
  for (std::string t; in >> t;) ++n;
  return n;
}

// One trained quickstart model for the suite when its tests run in one process (ctest runs each
// test alone, so each trains its own: the same model, training is deterministic on the CPU).
class Quickstart : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    const std::string data = *tmp_ / "reverse.h5";
    text_ = *tmp_ / "text";
    dir_ = *tmp_ / "train";
    auto r = run_s2s({"prepare", "--synthetic", "reverse", "--pairs", "3000", "--dev-pairs", "100", "--seed", "1",
                      "--buckets", "5,10:10,15", "--emit-text", text_, "-o", data, "--force", "--quiet"},
                     tmp_->path());
    ASSERT_EQ(r.code, 0) << r.err;
    r = run_s2s({"train", "--config", source_dir() + "/configs/quickstart.yaml", "--set", "data.dataset=" + data,
                 "--set", "train.train_dir=" + dir_, "--set", "train.max_steps=400", "--set",
                 "train.steps_per_checkpoint=200", "--set", "train.log_every=0"},
                tmp_->path(), 120);
    ASSERT_EQ(r.code, 0) << r.err;
    train_out_ = new std::string(r.out);
  }
  static void TearDownTestSuite() {
    delete train_out_;
    delete tmp_;
  }
  static inline TempDir* tmp_ = nullptr;
  static inline std::string* train_out_ = nullptr;
  static inline std::string text_, dir_;
};

TEST_F(Quickstart, LearnsToReverse) {
  ASSERT_NE(train_out_, nullptr);
  EXPECT_THAT(*train_out_, ::testing::HasSubstr("dev perplexity"));

  auto r = run_s2s({"eval", "--checkpoint", dir_, "--json"}, tmp_->path());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("step").get<int>(), 400);
  EXPECT_EQ(j.at("overall").at("examples").get<int>(), 100);
  const double ppl = j.at("overall").at("perplexity").get<double>();
  std::printf("[quickstart] dev perplexity after 400 steps: %.4f\n", ppl);
  EXPECT_LT(ppl, 1.5);

  const auto dev = lines_of(read_file(text_ + "/dev.src"));
  ASSERT_GE(dev.size(), 20u);
  std::string input;
  for (std::size_t i = 0; i < 20; ++i) input += dev[i] + "\n";
  r = run_s2s({"decode", "--checkpoint", dir_}, tmp_->path(), 60, input);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 20u);
  int exact = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    exact += out[i] == reversed_words(dev[i]);
    if (i < 3) std::printf("[quickstart] %-24s -> %s\n", dev[i].c_str(), out[i].c_str());
  }
  std::printf("[quickstart] %d of 20 dev sentences reversed exactly\n", exact);
  EXPECT_GE(exact, 10);
}

TEST_F(Quickstart, LinesOfExactlyIDecodeWithTheTrainingRule) {
  ASSERT_NE(train_out_, nullptr);
  const std::string dev_src = text_ + "/dev.src";
  const auto dev = lines_of(read_file(dev_src));
  ASSERT_EQ(dev.size(), 100u);
  auto training = run_s2s({"decode", "--checkpoint", dir_, "-i", dev_src}, tmp_->path());
  ASSERT_EQ(training.code, 0) << training.err;
  auto translate = run_s2s({"decode", "--checkpoint", dir_, "-i", dev_src, "--bucket-rule", "translate"}, tmp_->path());
  ASSERT_EQ(translate.code, 0) << translate.err;
  const auto a = lines_of(training.out), b = lines_of(translate.out);
  ASSERT_EQ(a.size(), dev.size());
  ASSERT_EQ(b.size(), dev.size());
  int five = 0, five_training = 0, five_translate = 0, other = 0, other_training = 0, other_translate = 0;
  for (std::size_t i = 0; i < dev.size(); ++i) {
    const std::string want = reversed_words(dev[i]);
    const bool is_five = word_count(dev[i]) == 5;
    (is_five ? five : other) += 1;
    (is_five ? five_training : other_training) += a[i] == want;
    (is_five ? five_translate : other_translate) += b[i] == want;
    // Other lengths go to the same bucket under both rules: the same output.
    if (!is_five) EXPECT_EQ(a[i], b[i]) << "line " << i + 1 << ": " << dev[i];
  }
  std::printf("[quickstart] length 5 (= I of bucket (5, 10)): %d of %d reversed exactly with the training rule, "
              "%d with translate's; other lengths: %d and %d of %d\n",
              five_training, five, five_translate, other_training, other_translate, other);
  ASSERT_GE(five, 8) << "too few dev lines of length 5 to see the rule";
  // 400 steps leave the model short of perfect on every length (measured: 11 of 16 at length 5,
  // 19 of 23 at 6); translate's rule got none of the 16 right.
  EXPECT_GE(2 * five_training, five);
  EXPECT_GT(five_training, five_translate);
}

}  // namespace
}  // namespace s2s::itest
