// Owns: `s2s decode` with beam search through the binary (rules: docs/decoding.md): the n-best
// line format `index ||| hypothesis ||| score` (indices in input order, at most N lines per input,
// scores best first), --n-best 1 --beam 1 printing greedy decoding's text, the n-best list's
// first hypothesis equal to the plain --beam output, --max-length-ratio bounding the output
// length, and bad options (n-best > beam, negative alpha) rejected naming the option.
// The model is a tiny GRU + attention trained for 40 steps (outputs differ between inputs).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::HasSubstr;

struct NBestLine {
  long index = -1;
  std::string text;
  double score = 0;
};

NBestLine parse_nbest(const std::string& line) {
  NBestLine r;
  const auto a = line.find(" ||| ");
  const auto b = line.rfind(" ||| ");
  EXPECT_NE(a, std::string::npos) << line;
  EXPECT_NE(a, b) << line;
  if (a == std::string::npos || a == b) return r;
  r.index = std::stol(line.substr(0, a));
  r.text = line.substr(a + 5, b - a - 5);
  r.score = std::stod(line.substr(b + 5));
  return r;
}

std::size_t tokens(const std::string& s) {
  std::istringstream w(s);
  std::size_t n = 0;
  for (std::string t; w >> t;) ++n;
  return n;
}

class BeamDecodeCli : public ::testing::Test {
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
    write_file(*tmp_ / "in.txt", "a b\n\nh g f e d c b a\nxyz b\nc d e\nb a\nd d\ne f g h\n");
  }
  static void TearDownTestSuite() { delete tmp_; }
  static std::string scratch() { return tmp_->path(); }
  static std::string input() { return scratch() + "/in.txt"; }
  static inline TempDir* tmp_ = nullptr;
  static inline std::string dir_;
};

TEST_F(BeamDecodeCli, NBestFormatAndBeamOneIsGreedy) {
  const auto in_lines = lines_of(read_file(input()));
  auto greedy = run_s2s({"decode", "--checkpoint", dir_, "-i", input()}, scratch());
  ASSERT_EQ(greedy.code, 0) << greedy.err;
  const auto g = lines_of(greedy.out);
  ASSERT_EQ(g.size(), in_lines.size());

  auto one = run_s2s({"decode", "--checkpoint", dir_, "-i", input(), "--beam", "1", "--n-best", "1"}, scratch());
  ASSERT_EQ(one.code, 0) << one.err;
  const auto o = lines_of(one.out);
  ASSERT_EQ(o.size(), in_lines.size());
  for (std::size_t i = 0; i < o.size(); ++i) {
    const NBestLine l = parse_nbest(o[i]);
    EXPECT_EQ(l.index, static_cast<long>(i));
    EXPECT_EQ(l.text, g[i]) << "line " << i;
    EXPECT_LE(l.score, 0.0);
  }

  auto best = run_s2s({"decode", "--checkpoint", dir_, "-i", input(), "--beam", "4"}, scratch());
  ASSERT_EQ(best.code, 0) << best.err;
  const auto bl = lines_of(best.out);
  ASSERT_EQ(bl.size(), in_lines.size());
  auto nbest = run_s2s({"decode", "--checkpoint", dir_, "-i", input(), "--beam", "4", "--n-best", "3"}, scratch());
  ASSERT_EQ(nbest.code, 0) << nbest.err;
  std::vector<std::vector<NBestLine>> by_input(in_lines.size());
  long last = 0;
  for (const auto& line : lines_of(nbest.out)) {
    const NBestLine l = parse_nbest(line);
    ASSERT_GE(l.index, last) << "indices must be in input order";
    ASSERT_LT(l.index, static_cast<long>(in_lines.size()));
    last = l.index;
    by_input[static_cast<std::size_t>(l.index)].push_back(l);
  }
  for (std::size_t i = 0; i < in_lines.size(); ++i) {
    ASSERT_GE(by_input[i].size(), 1u) << "input " << i;
    ASSERT_LE(by_input[i].size(), 3u) << "input " << i;
    EXPECT_EQ(by_input[i][0].text, bl[i]) << "the first of the n-best is the --beam output";
    for (std::size_t j = 1; j < by_input[i].size(); ++j) {
      EXPECT_GE(by_input[i][j - 1].score, by_input[i][j].score) << "input " << i;
      EXPECT_NE(by_input[i][j - 1].text, by_input[i][j].text) << "input " << i;
    }
  }
}

TEST_F(BeamDecodeCli, MaxLengthRatioBoundsTheOutput) {
  auto r = run_s2s({"decode", "--checkpoint", dir_, "-i", input(), "--beam", "2", "--max-length-ratio", "0.5"},
                   scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto in_lines = lines_of(read_file(input()));
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), in_lines.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t n = std::min<std::size_t>(tokens(in_lines[i]), 5);  // the last bucket's I is 5
    const auto max_len = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(0.5 * double(n))));
    EXPECT_LE(tokens(out[i]), max_len) << "'" << in_lines[i] << "' -> '" << out[i] << "'";
  }
}

TEST_F(BeamDecodeCli, BadOptions) {
  auto r = run_s2s({"decode", "--checkpoint", dir_, "--beam", "2", "--n-best", "3"}, scratch(), 60, "a b\n");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("--n-best 3 exceeds --beam 2"));
  EXPECT_EQ(r.out, "");
  r = run_s2s({"decode", "--checkpoint", dir_, "--beam", "2", "--length-penalty", "-1"}, scratch(), 60, "a b\n");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("length-penalty"));
  r = run_s2s({"decode", "--checkpoint", dir_, "--beam", "0"}, scratch(), 60, "a b\n");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("beam"));
}

}  // namespace
}  // namespace s2s::itest
