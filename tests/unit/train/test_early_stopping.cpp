// Best-metric tracking and early stopping, against hand-worked sequences of validation values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "s2s/train/early_stopping.h"

using namespace s2s::train;
using s2s::config::BestMetric;

namespace {
struct Walk {
  std::vector<bool> improved, stop;
};
Walk walk(BestMetric m, const std::vector<double>& values, std::int64_t patience, ValidationState& st) {
  Walk w;
  std::int64_t step = 0;
  for (double v : values) {
    step += 100;
    const auto o = record_validation(st, m, v, step, patience);
    w.improved.push_back(o.improved);
    w.stop.push_back(o.stop);
  }
  return w;
}
}  // namespace

TEST(EarlyStopping, BleuHigherIsBetterTiesDoNotImprove) {
  ValidationState st;
  const Walk w = walk(BestMetric::Bleu, {10, 12, 12, 11, 13}, 0, st);
  EXPECT_EQ(w.improved, (std::vector<bool>{true, true, false, false, true}));
  EXPECT_EQ(w.stop, (std::vector<bool>{false, false, false, false, false}));  // patience 0: never
  EXPECT_EQ(st.best, 13);
  EXPECT_EQ(st.best_step, 500);
  EXPECT_EQ(st.since_best, 0);
  EXPECT_EQ(st.validations, 5);
}

TEST(EarlyStopping, PerplexityLowerIsBetter) {
  ValidationState st;
  const Walk w = walk(BestMetric::Perplexity, {50, 40, 45, 39.5}, 0, st);
  EXPECT_EQ(w.improved, (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(st.best, 39.5);
  EXPECT_EQ(st.best_step, 400);
}

TEST(EarlyStopping, StopsAfterPatienceValidationsWithoutImprovement) {
  ValidationState st;
  // chrF: 30 (best), 29, 31 (best), 31, 30, 28 -> 3 without improvement at the 6th.
  const Walk w = walk(BestMetric::Chrf, {30, 29, 31, 31, 30, 28}, 3, st);
  EXPECT_EQ(w.stop, (std::vector<bool>{false, false, false, false, false, true}));
  EXPECT_EQ(st.since_best, 3);
  EXPECT_EQ(st.best_step, 300);
  EXPECT_TRUE(patience_exhausted(st, 3));
  EXPECT_FALSE(patience_exhausted(st, 4));
  EXPECT_FALSE(patience_exhausted(st, 0));
  EXPECT_EQ(describe_early_stop(st, BestMetric::Chrf), "no improvement of chrf for 3 validation(s) (best 31 at step 300)");
}

TEST(EarlyStopping, NanNeverImprovesInfinityCanBeBeaten) {
  ValidationState st;
  const double inf = std::numeric_limits<double>::infinity();
  const Walk w = walk(BestMetric::Perplexity, {std::nan(""), inf, 1e30}, 0, st);
  EXPECT_EQ(w.improved, (std::vector<bool>{false, true, true}));
  EXPECT_EQ(st.best, 1e30);
}
