// Owns: `s2s decode --batch-size N` through the binary: the output of --batch-size 7 (lines read
// in chunks of 56, sentences of one bucket decoded together, several chunks and a short last one)
// equals --batch-size 1's (translate's one line at a time) line by line, from a file and from
// stdin, with as many lines out as in (empty lines, unknown words, lines truncated to the last
// bucket included); the truncation warnings are the same; progress lines go to stderr only;
// --device cuda without a GPU is a clear error.
// The model is a tiny GRU + attention trained for 40 steps, so that its outputs differ between
// inputs (checked: a swapped or shifted line would show).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "s2s/core/philox.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::HasSubstr;

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// 130 lines over the tiny dataset's alphabet a..h: lengths 0..8 (the last bucket (5, 6) takes 5),
// an unknown word now and then.
std::string input_text() {
  PhiloxStream rng(9, 0);
  std::string text = "a b\n\nh g f e d c b a\nxyz b\n";
  for (int i = 0; i < 126; ++i) {
    const auto len = static_cast<int>(rng.below(9));
    std::string line;
    for (int k = 0; k < len; ++k) {
      if (k) line += ' ';
      line += rng.below(20) == 0 ? std::string("xyz") : std::string(1, static_cast<char>('a' + rng.below(8)));
    }
    text += line + "\n";
  }
  return text;
}

class BatchedDecodeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    const std::string data = *tmp_ / "tiny.h5";
    make_dataset(data);
    dir_ = *tmp_ / "train";
    train_local(make_config([&] {
      auto s = tiny_overrides(data, dir_);
      s.push_back("train.max_steps=40");
      s.push_back("train.steps_per_checkpoint=40");
      return s;
    }()));
    write_file(*tmp_ / "in.txt", input_text());
  }
  static void TearDownTestSuite() { delete tmp_; }
  static std::string scratch() { return tmp_->path(); }
  static inline TempDir* tmp_ = nullptr;
  static inline std::string dir_;
};

TEST_F(BatchedDecodeCli, BatchSevenEqualsBatchOneLineByLine) {
  const std::string in = scratch() + "/in.txt";
  const auto input_lines = lines_of(read_file(in));
  ASSERT_EQ(input_lines.size(), 130u);
  auto one = run_s2s({"decode", "--checkpoint", dir_, "-i", in, "--batch-size", "1"}, scratch());
  ASSERT_EQ(one.code, 0) << one.err;
  auto seven = run_s2s({"decode", "--checkpoint", dir_, "-i", in, "--batch-size", "7"}, scratch());
  ASSERT_EQ(seven.code, 0) << seven.err;
  const auto a = lines_of(one.out), b = lines_of(seven.out);
  ASSERT_EQ(a.size(), input_lines.size());
  ASSERT_EQ(b.size(), input_lines.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(b[i], a[i]) << "line " << i + 1 << ": '" << input_lines[i] << "'";
  const std::set<std::string> distinct(a.begin(), a.end());
  EXPECT_GE(distinct.size(), 5u) << "the model says the same thing for every input: order would not show";
  // Lines of 6..8 tokens do not fit the last bucket (5, 6): one warning each, in both runs.
  std::size_t long_lines = 0;
  for (const auto& l : input_lines) {
    std::istringstream w(l);
    std::size_t n = 0;
    for (std::string t; w >> t;) ++n;
    long_lines += n > 5 ? 1 : 0;
  }
  ASSERT_GT(long_lines, 0u);
  EXPECT_EQ(count_of(one.err, "Sentence truncated"), long_lines);
  EXPECT_EQ(count_of(seven.err, "Sentence truncated"), long_lines);
  EXPECT_THAT(seven.err, HasSubstr("s2s decode: " + dir_ + "/ckpt-40.h5 (step 40)"));

  // Stdin, the default batch size (64: the whole input in one chunk), the same lines.
  auto piped = run_s2s({"decode", "--checkpoint", dir_}, scratch(), 60, read_file(in));
  ASSERT_EQ(piped.code, 0) << piped.err;
  EXPECT_EQ(piped.out, one.out);
}

TEST_F(BatchedDecodeCli, ProgressGoesToStderrOnly) {
  const std::string in = scratch() + "/in.txt", out = scratch() + "/out.txt";
  auto r = run_s2s({"decode", "--checkpoint", dir_, "-i", in, "-o", out, "--batch-size", "4", "--progress", "1e-6"},
                   scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines_of(read_file(out)).size(), 130u);
  EXPECT_THAT(r.err, HasSubstr("sentences/s"));
  EXPECT_THAT(r.err, HasSubstr("s2s decode: done, 130 sentences in"));
  // --progress 0: none.
  r = run_s2s({"decode", "--checkpoint", dir_, "-i", in, "-o", out, "--progress", "0"}, scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("sentences/s")));
}

TEST_F(BatchedDecodeCli, BadBatchSize) {
  auto r = run_s2s({"decode", "--checkpoint", dir_, "--batch-size", "0"}, scratch(), 60, "a b\n");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("batch-size"));
}

// The decode twin of DeviceSetup's train/eval check: --device cuda prepares the device first, so
// without a usable GPU the error names the option and the reason (not a missing allocator).
TEST_F(BatchedDecodeCli, CudaWithoutAGpuFailsClearly) {
  if (cuda::device_count() > 0) GTEST_SKIP() << "a CUDA device is usable here";
  auto r = run_s2s({"decode", "--checkpoint", dir_, "--device", "cuda"}, scratch(), 60, "a b\n");
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_THAT(r.err, ::testing::AllOf(HasSubstr("--device = cuda"), HasSubstr("no CUDA device is usable here")));
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace s2s::itest
