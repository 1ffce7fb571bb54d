// Owns: smoke checks of `s2s inspect`, `s2s eval` and `s2s decode` on a tiny trained checkpoint:
// exit codes, output formats (table, JSON, one line out per line in), and errors naming what is
// wrong. The JSON's overall numbers are recomputed here from its per-bucket numbers
// (token-weighted loss, exp), and the example counts against the dataset's own dev split sizes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "s2s/data/dataset_file.h"
#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

class Commands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    dataset_ = *tmp_ / "tiny.h5";
    make_dataset(dataset_);
    dir_ = *tmp_ / "train";
    train_local(make_config([] {
      auto s = tiny_overrides(dataset_, dir_);
      s.push_back("train.max_steps=8");
      return s;
    }()));
  }
  static void TearDownTestSuite() { delete tmp_; }
  static std::string scratch() { return tmp_->path(); }
  static inline TempDir* tmp_ = nullptr;
  static inline std::string dataset_, dir_;
};

TEST_F(Commands, InspectCheckpoint) {
  auto r = run_s2s({"inspect", dir_ + "/ckpt-8.h5"}, scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, AllOf(HasSubstr("s2s checkpoint (format 3"), HasSubstr("all checksums verified"),
                           HasSubstr("step 8,"), HasSubstr("optimizer GradientDescent (8 updates)"),
                           HasSubstr("saved by 1 rank(s), run "), HasSubstr("embedding_attention_seq2seq/")));
}

TEST_F(Commands, InspectDataset) {
  auto r = run_s2s({"inspect", dataset_}, scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, AllOf(HasSubstr("s2s dataset"), HasSubstr("vocabulary: source 12, target 12"),
                           HasSubstr("bucket 0 (3, 4)"), HasSubstr("bucket 1 (5, 6)"), HasSubstr("split dev")));
}

TEST_F(Commands, InspectErrors) {
  auto r = run_s2s({"inspect", scratch() + "/missing.h5"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.h5"));
  write_file(scratch() + "/not-hdf5.h5", "hello");
  r = run_s2s({"inspect", scratch() + "/not-hdf5.h5"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not-hdf5.h5"));
  r = run_s2s({"inspect"}, scratch());
  EXPECT_NE(r.code, 0);
}

TEST_F(Commands, EvalJson) {
  auto r = run_s2s({"eval", "--checkpoint", dir_, "--json"}, scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("checkpoint").get<std::string>(), dir_ + "/ckpt-8.h5");  // the folder's latest
  EXPECT_EQ(j.at("step").get<int>(), 8);
  EXPECT_EQ(j.at("split").get<std::string>(), "dev");
  const auto sizes = data::Dataset::open(dataset_)->bucket_sizes("dev");
  double loss_tokens = 0, tokens = 0;
  std::int64_t examples = 0;
  for (const auto& b : j.at("buckets")) {
    const int bucket = b.at("bucket").get<int>();
    EXPECT_EQ(b.at("examples").get<std::int64_t>(), sizes.at(static_cast<std::size_t>(bucket)));
    EXPECT_NEAR(b.at("perplexity").get<double>(), std::exp(b.at("loss").get<double>()), 1e-9);
    EXPECT_GT(b.at("tokens").get<double>(), 0);
    loss_tokens += b.at("loss").get<double>() * b.at("tokens").get<double>();
    tokens += b.at("tokens").get<double>();
    examples += b.at("examples").get<std::int64_t>();
  }
  const auto& all = j.at("overall");
  EXPECT_EQ(all.at("examples").get<std::int64_t>(), examples);
  EXPECT_EQ(examples, 8);  // every dev pair
  EXPECT_NEAR(all.at("loss").get<double>(), loss_tokens / tokens, 1e-12);
  EXPECT_NEAR(all.at("perplexity").get<double>(), std::exp(loss_tokens / tokens), 1e-9);
  EXPECT_GT(all.at("perplexity").get<double>(), 1.0);
}

TEST_F(Commands, EvalTable) {
  auto r = run_s2s({"eval", "--checkpoint", dir_ + "/ckpt-4.h5", "--split", "train"}, scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 4u) << r.out;
  EXPECT_THAT(lines[0], AllOf(HasSubstr("ckpt-4.h5 (step 4)"), HasSubstr("split train"), HasSubstr("full softmax")));
  EXPECT_THAT(lines[1], AllOf(HasSubstr("bucket"), HasSubstr("examples"), HasSubstr("perplexity")));
  EXPECT_THAT(lines.back(), ::testing::StartsWith("all "));
}

TEST_F(Commands, EvalErrors) {
  auto r = run_s2s({"eval", "--checkpoint", dir_, "--split", "nosuch"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("'nosuch'"));
  r = run_s2s({"eval", "--checkpoint", scratch() + "/none"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(scratch() + "/none"));
}

TEST_F(Commands, DecodeStdinToStdout) {
  auto r = run_s2s({"decode", "--checkpoint", dir_}, scratch(), 60, "a b\nc d e\n\nh g f e\n");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 4u) << r.out;  // one line out per line in, empty lines included
  EXPECT_THAT(r.err, HasSubstr("s2s decode: " + dir_ + "/ckpt-8.h5 (step 8)"));
  // Every output token is a target-vocabulary symbol (a..h) or a special written literally.
  const std::set<std::string> allowed{"a", "b", "c", "d", "e", "f", "g", "h", "_PAD", "_GO", "_UNK"};
  for (const auto& l : out) {
    std::istringstream words(l);
    for (std::string w; words >> w;) EXPECT_TRUE(allowed.count(w)) << "unexpected token '" << w << "' in " << l;
  }
}

TEST_F(Commands, DecodeFilesAndTruncationWarning) {
  write_file(scratch() + "/in.txt", "a b c\na b c d e f g h a b\n");
  auto r = run_s2s({"decode", "--checkpoint", dir_ + "/ckpt-4.h5", "--input", scratch() + "/in.txt", "--output",
                    scratch() + "/out.txt"},
                   scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines_of(read_file(scratch() + "/out.txt")).size(), 2u);
  EXPECT_THAT(r.err, HasSubstr("truncated"));  // the second line does not fit the last bucket (5, 6)
}

TEST_F(Commands, DecodeErrors) {
  auto r = run_s2s({"decode", "--checkpoint", scratch() + "/none"}, scratch(), 60, "a b\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(scratch() + "/none"));
  r = run_s2s({"decode", "--checkpoint", dir_, "--input", scratch() + "/no-input.txt"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("no-input.txt"));
}

}  // namespace
}  // namespace s2s::itest
