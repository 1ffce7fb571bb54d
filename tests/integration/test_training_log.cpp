// Owns: what `s2s train` writes for a person to read, observed from outside (the binary as a
// subprocess, stdout and stderr going to files as in a batch job): --progress plain and none,
// an unknown --progress value, every line starting with an ISO 8601 UTC timestamp and no
// terminal control bytes, and a one-rank run's TensorBoard file without communication metrics.
// The multi-rank side (mpirun's pseudo-terminals) is tests/mpi_train/run_case.sh `logs`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::HasSubstr;
using ::testing::Not;

const std::regex kStamped(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z .*)");
const std::regex kStepLine(R"(\S+ step \d+ \| bucket .*)");

class TrainingLogOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    dataset_ = tmp_ / "tiny.h5";
    make_dataset(dataset_);
  }
  ProcessResult train(const std::string& dir, const std::vector<std::string>& flags) {
    std::vector<std::string> args{"train"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto sets = tiny_overrides(dataset_, dir);
    sets.push_back("train.log_every=2");
    sets.push_back("train.max_steps=8");
    for (const auto& a : as_set_args(sets)) args.push_back(a);
    return run_s2s(args, tmp_.path());
  }
  static void expect_plain_stamped(const std::string& text, const char* stream) {
    EXPECT_EQ(text.find('\r'), std::string::npos) << stream << ":\n" << text;
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << stream << ":\n" << text;
    for (const auto& line : lines_of(text))
      EXPECT_TRUE(std::regex_match(line, kStamped)) << stream << " line without a timestamp: " << line;
  }
  TempDir tmp_;
  std::string dataset_;
};

TEST_F(TrainingLogOutput, PlainLinesAreTimestampedEveryLogEvery) {
  auto r = train(tmp_ / "plain", {"--progress", "plain"});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_plain_stamped(r.out, "stdout");
  expect_plain_stamped(r.err, "stderr");
  int steps = 0;
  for (const auto& line : lines_of(r.out)) steps += std::regex_match(line, kStepLine);
  EXPECT_EQ(steps, 4) << r.out;  // steps 2, 4, 6, 8 of 8 with log_every 2
  EXPECT_THAT(r.out, HasSubstr(" checkpoint "));
  EXPECT_THAT(r.err, HasSubstr("[rank 0/1] done: step 8"));
}

TEST_F(TrainingLogOutput, AutoOnAFileIsPlain) {
  auto r = train(tmp_ / "auto", {});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_plain_stamped(r.out, "stdout");
  int steps = 0;
  for (const auto& line : lines_of(r.out)) steps += std::regex_match(line, kStepLine);
  EXPECT_EQ(steps, 4) << r.out;
}

TEST_F(TrainingLogOutput, NoneKeepsOnlyCheckpointAndEvalLines) {
  auto r = train(tmp_ / "none", {"--progress", "none"});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_plain_stamped(r.out, "stdout");
  for (const auto& line : lines_of(r.out)) EXPECT_FALSE(std::regex_match(line, kStepLine)) << line;
  EXPECT_THAT(r.out, HasSubstr(" checkpoint "));
  EXPECT_THAT(r.out, HasSubstr("global step 8 "));
}

TEST_F(TrainingLogOutput, UnknownProgressIsRefused) {
  auto r = train(tmp_ / "bad", {"--progress", "fancy"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("--progress"));
  EXPECT_THAT(r.err, HasSubstr("fancy"));
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "bad"));
}

TEST_F(TrainingLogOutput, OneRankRunHasNoCommunicationMetric) {
  auto r = train(tmp_ / "events", {"--progress", "none"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string events;
  for (const auto& e : std::filesystem::directory_iterator(tmp_ / "events"))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) events += read_file(e.path());
  ASSERT_FALSE(events.empty()) << "no TensorBoard event file in " << (tmp_ / "events");
  // Tags are stored verbatim in the Summary protos of the TFRecord file.
  EXPECT_THAT(events, HasSubstr("train/loss"));
  EXPECT_THAT(events, Not(HasSubstr("comm_hidden_fraction")));
}

}  // namespace
}  // namespace s2s::itest
