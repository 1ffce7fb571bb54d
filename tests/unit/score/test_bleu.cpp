// Corpus BLEU by hand-worked cases: the n-gram counts below were written out by hand (listed in
// the comments) and the scores are the BLEU formula evaluated on those counts here, not by the
// code under test.
#include <gtest/gtest.h>

#include <cmath>

#include "s2s/core/error.h"
#include "s2s/score/bleu.h"

namespace s2s::score {
namespace {

using Counts = std::array<std::int64_t, 4>;

double geometric_mean(double p1, double p2, double p3, double p4) { return std::pow(p1 * p2 * p3 * p4, 0.25); }

TEST(Bleu, HandWorkedSentence) {
  // hyp: the cat sat on the mat      ref: the cat is on the mat
  // 1-grams: the x2, cat, sat, on, mat (6); matched: the x2, cat, on, mat (5)
  // 2-grams: the cat, cat sat, sat on, on the, the mat (5); matched: the cat, on the, the mat (3)
  // 3-grams: the cat sat, cat sat on, sat on the, on the mat (4); matched: on the mat (1)
  // 4-grams: the cat sat on, cat sat on the, sat on the mat (3); matched: none -> exp smoothing
  const auto s = corpus_bleu({"the cat sat on the mat"}, {{"the cat is on the mat"}});
  EXPECT_EQ(s.counts, (Counts{5, 3, 1, 0}));
  EXPECT_EQ(s.totals, (Counts{6, 5, 4, 3}));
  EXPECT_EQ(s.sys_len, 6);
  EXPECT_EQ(s.ref_len, 6);
  EXPECT_DOUBLE_EQ(s.bp, 1.0);
  EXPECT_DOUBLE_EQ(s.precisions[0], 500.0 / 6);
  EXPECT_DOUBLE_EQ(s.precisions[1], 60.0);
  EXPECT_DOUBLE_EQ(s.precisions[2], 25.0);
  EXPECT_DOUBLE_EQ(s.precisions[3], 100.0 / (2 * 3));  // first zero order: 1 / (2 * total)
  EXPECT_NEAR(s.score, geometric_mean(500.0 / 6, 60, 25, 100.0 / 6), 1e-12);
  EXPECT_NEAR(s.score, 37.9917, 1e-4);
}

TEST(Bleu, ExpSmoothingDoublesPerZeroOrder) {
  // hyp: a b c d     ref: a x b y c z d — unigrams all match (4/4), no longer n-gram does.
  const auto s = corpus_bleu({"a b c d"}, {{"a x b y c z d"}});
  EXPECT_EQ(s.counts, (Counts{4, 0, 0, 0}));
  EXPECT_EQ(s.totals, (Counts{4, 3, 2, 1}));
  EXPECT_DOUBLE_EQ(s.precisions[1], 100.0 / (2 * 3));
  EXPECT_DOUBLE_EQ(s.precisions[2], 100.0 / (4 * 2));
  EXPECT_DOUBLE_EQ(s.precisions[3], 100.0 / (8 * 1));
  const double bp = std::exp(1.0 - 7.0 / 4.0);
  EXPECT_DOUBLE_EQ(s.bp, bp);
  EXPECT_NEAR(s.score, bp * geometric_mean(100, 100.0 / 6, 12.5, 12.5), 1e-12);
}

TEST(Bleu, ShortCorpusWithoutFourGramsScoresZero) {
  // hyp: a b (no 3- or 4-grams at all): sacrebleu stops at the first order with total 0 and
  // floors log(0), so the corpus scores 0 even though every n-gram present matches.
  const auto s = corpus_bleu({"a b"}, {{"a b c d"}});
  EXPECT_EQ(s.counts, (Counts{2, 1, 0, 0}));
  EXPECT_EQ(s.totals, (Counts{2, 1, 0, 0}));
  EXPECT_DOUBLE_EQ(s.precisions[0], 100.0);
  EXPECT_DOUBLE_EQ(s.precisions[2], 0.0);
  EXPECT_DOUBLE_EQ(s.bp, std::exp(-1.0));  // exp(1 - 4/2)
  EXPECT_EQ(s.score, 0.0);
}

TEST(Bleu, NoMatchAndEmptyHypothesis) {
  auto s = corpus_bleu({"x y z w v"}, {{"a b c d e"}});
  EXPECT_EQ(s.score, 0.0);
  EXPECT_EQ(s.precisions, (std::array<double, 4>{0, 0, 0, 0}));
  s = corpus_bleu({""}, {{"a b"}});
  EXPECT_EQ(s.sys_len, 0);
  EXPECT_EQ(s.ref_len, 2);
  EXPECT_EQ(s.bp, 0.0);
  EXPECT_EQ(s.score, 0.0);
}

TEST(Bleu, ClosestReferenceLengthPrefersTheShorterOnATie) {
  // hyp has 5 tokens; references of 3 and 7 tokens are both 2 away -> 3.
  const auto s = corpus_bleu({"a b c d e"}, {{"a b c"}, {"a b c d e f g"}});
  EXPECT_EQ(s.ref_len, 3);
  // Against 4 and 7 tokens: 4 is closer.
  EXPECT_EQ(corpus_bleu({"a b c d e"}, {{"a b c d e f g"}, {"a b c d"}}).ref_len, 4);
}

TEST(Bleu, ClipsByTheMaximumCountOverReferences) {
  // hyp: a a a b    ref1: a a b    ref2: a
  // 1-grams: a clipped to max(2, 1) = 2, b 1 -> 3 of 4
  // 2-grams: a a (2x, ref1 has 1) -> 1, a b -> 1 -> 2 of 3
  // 3-grams: a a a (ref: none), a a b (ref1) -> 1 of 2;  4-gram: a a a b -> 0 of 1
  const auto s = corpus_bleu({"a a a b"}, {{"a a b"}, {"a"}});
  EXPECT_EQ(s.counts, (Counts{3, 2, 1, 0}));
  EXPECT_EQ(s.totals, (Counts{4, 3, 2, 1}));
  EXPECT_EQ(s.ref_len, 3);  // |4-3| = 1 < |4-1|
}

TEST(Bleu, CorpusSumsStatisticsBeforeTheFormula) {
  // Segment 1 = the hand-worked sentence above; segment 2: "a b c d e" against itself
  // (5/4/3/2 of 5/4/3/2). Corpus: counts 10/7/4/2 of 11/9/7/5, lengths 11 and 11.
  const auto s = corpus_bleu({"the cat sat on the mat", "a b c d e"}, {{"the cat is on the mat", "a b c d e"}});
  EXPECT_EQ(s.counts, (Counts{10, 7, 4, 2}));
  EXPECT_EQ(s.totals, (Counts{11, 9, 7, 5}));
  EXPECT_NEAR(s.score, geometric_mean(1000.0 / 11, 700.0 / 9, 400.0 / 7, 40), 1e-12);
}

TEST(Bleu, TokenizesAndStripsLikeSacrebleu) {
  // "Hello, world!" -> Hello , world ! (4 tokens); trailing U+00A0 is stripped.
  const auto s = corpus_bleu({"Hello, world!\u00a0"}, {{"Hello , world !"}});
  EXPECT_EQ(s.totals, (Counts{4, 3, 2, 1}));
  EXPECT_DOUBLE_EQ(s.score, 100.0);
}

TEST(Bleu, RejectsMismatchedStreams) {
  EXPECT_THROW(corpus_bleu({"a", "b"}, {{"a"}}), Error);
  EXPECT_THROW(corpus_bleu({"a"}, {}), Error);
}

TEST(Bleu, FormatsLikeSacrebleu) {
  const auto s = corpus_bleu({"the cat sat on the mat"}, {{"the cat is on the mat"}});
  EXPECT_EQ(format_bleu(s),
            "BLEU = 37.99 83.3/60.0/25.0/16.7 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)");
  EXPECT_EQ(format_bleu(s, 1, bleu_signature(1)),
            "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 38.0 83.3/60.0/25.0/16.7 "
            "(BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)");
  EXPECT_EQ(bleu_signature(2), "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
}

}  // namespace
}  // namespace s2s::score
