// Corpus chrF2 by hand-worked cases: character n-gram counts written out in the comments, the
// score evaluated here with F_beta = (1 + b^2) P R / (b^2 P + R), b = 2, on the averaged
// precision P and recall R of the orders where both sides have n-grams.
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/score/chrf.h"

namespace s2s::score {
namespace {

using Counts = std::array<std::int64_t, 6>;

double f2(double p, double r) { return 100 * 5 * p * r / (4 * p + r); }

TEST(Chrf, HandWorkedSentence) {
  // hyp "ab", ref "abc".  order 1: a b (2) vs a b c (3), 2 match; order 2: ab (1) vs ab bc (2),
  // 1 match; order 3: hyp none vs abc (1); orders 4-6: none on either side.
  // Effective orders 1, 2: P = (1 + 1) / 2 = 1, R = (2/3 + 1/2) / 2 = 7/12 -> F2 = 7/11.
  const auto s = corpus_chrf({"ab"}, {{"abc"}});
  EXPECT_EQ(s.stats.hyp, (Counts{2, 1, 0, 0, 0, 0}));
  EXPECT_EQ(s.stats.ref, (Counts{3, 2, 1, 0, 0, 0}));
  EXPECT_EQ(s.stats.match, (Counts{2, 1, 0, 0, 0, 0}));
  EXPECT_NEAR(s.score, 100.0 * 7 / 11, 1e-12);
  EXPECT_NEAR(s.score, f2(1.0, 7.0 / 12), 1e-12);
}

TEST(Chrf, WhitespaceIsRemovedAndCharactersAreCodePoints) {
  // Spaces (including U+00A0) do not count, so these are identical; "é" is one character.
  EXPECT_DOUBLE_EQ(corpus_chrf({"caf\u00e9 au\u00a0lait"}, {{"caf\u00e9aulait"}}).score, 100.0);
  // hyp "éé" vs ref "é": order 1: 2 vs 1, 1 match; order 2: 1 vs none (not counted).
  const auto s = corpus_chrf({"\u00e9\u00e9"}, {{"\u00e9"}});
  EXPECT_EQ(s.stats.hyp, (Counts{2, 0, 0, 0, 0, 0}));
  EXPECT_EQ(s.stats.ref, (Counts{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(s.stats.match, (Counts{1, 0, 0, 0, 0, 0}));
  EXPECT_NEAR(s.score, f2(0.5, 1.0), 1e-12);
}

TEST(Chrf, HypothesisCountIsZeroWhereTheReferenceHasNoNgrams) {
  // hyp "abcdef" (orders 1..6 present), ref "ab" (orders 1, 2 only).
  const auto s = corpus_chrf({"abcdef"}, {{"ab"}});
  EXPECT_EQ(s.stats.hyp, (Counts{6, 5, 0, 0, 0, 0}));
  EXPECT_EQ(s.stats.ref, (Counts{2, 1, 0, 0, 0, 0}));
  // P = (2/6 + 1/5) / 2 = 4/15, R = 1.
  EXPECT_NEAR(s.score, f2(4.0 / 15, 1.0), 1e-12);
}

TEST(Chrf, CorpusSumsStatisticsBeforeAveraging) {
  // seg 1: "ab" vs "ab": order 1 2/2/2, order 2 1/1/1.
  // seg 2: "cde" vs "xy": order 1 3/2/0, order 2 2/1/0, order 3 ref none -> hyp 0.
  // Sums: order 1 hyp 5 ref 4 match 2; order 2 hyp 3 ref 2 match 1.
  // P = (2/5 + 1/3) / 2 = 11/30, R = (2/4 + 1/2) / 2 = 1/2.
  const auto s = corpus_chrf({"ab", "cde"}, {{"ab", "xy"}});
  EXPECT_EQ(s.stats.hyp, (Counts{5, 3, 0, 0, 0, 0}));
  EXPECT_EQ(s.stats.ref, (Counts{4, 2, 0, 0, 0, 0}));
  EXPECT_EQ(s.stats.match, (Counts{2, 1, 0, 0, 0, 0}));
  EXPECT_NEAR(s.score, f2(11.0 / 30, 0.5), 1e-12);  // 46.61..., not the mean of 100 and 0
}

TEST(Chrf, MultipleReferencesKeepTheBestSegmentScore) {
  // ref2 equals the hypothesis, so its statistics (all matches) are kept.
  const auto s = corpus_chrf({"abc"}, {{"xyz"}, {"abc"}});
  EXPECT_EQ(s.stats.match, (Counts{3, 2, 1, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(s.score, 100.0);
}

TEST(Chrf, EmptyAndNoMatch) {
  EXPECT_EQ(corpus_chrf({""}, {{"abc"}}).score, 0.0);
  EXPECT_EQ(corpus_chrf({"abc"}, {{""}}).score, 0.0);
  EXPECT_EQ(corpus_chrf({"abc"}, {{"xyz"}}).score, 0.0);
}

TEST(Chrf, RejectsMismatchedStreams) { EXPECT_THROW(corpus_chrf({"a", "b"}, {{"a"}}), Error); }

TEST(Chrf, FormatsLikeSacrebleu) {
  const auto s = corpus_chrf({"ab"}, {{"abc"}});
  EXPECT_EQ(format_chrf(s), "chrF2 = 63.64");
  EXPECT_EQ(format_chrf(s, 1, chrf_signature(1)),
            "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0 = 63.6");
}

}  // namespace
}  // namespace s2s::score
