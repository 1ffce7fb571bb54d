// Synthetic tasks: each target follows its rule, pairs are a function of (seed, split, index),
// lengths and alphabet as requested.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "s2s/core/error.h"
#include "s2s/data/synthetic.h"
#include "s2s/data/tokenizer.h"

using namespace s2s::data;

TEST(Synthetic, SymbolNames) {
  EXPECT_EQ(synthetic_symbol(0), "a");
  EXPECT_EQ(synthetic_symbol(25), "z");
  EXPECT_EQ(synthetic_symbol(26), "ba");
  EXPECT_EQ(synthetic_symbol(27), "bb");
  std::set<std::string> names;
  for (int i = 0; i < 2000; ++i) names.insert(synthetic_symbol(i));
  EXPECT_EQ(names.size(), 2000u);
}

TEST(Synthetic, TasksFollowTheirRules) {
  SyntheticOptions o;
  std::string src, tgt;
  std::set<std::string> symbols;
  for (auto task : {SyntheticTask::Reverse, SyntheticTask::Sort, SyntheticTask::CopyNoise}) {
    o.task = task;
    for (std::int64_t i = 0; i < 300; ++i) {
      synthetic_pair(o, SplitKind::Train, i, src, tgt);
      auto s = tokenize(src), t = tokenize(tgt);
      if (task != SyntheticTask::CopyNoise) {
        ASSERT_GE(s.size(), 3u);
        ASSERT_LE(s.size(), 8u);
      }
      switch (task) {
        case SyntheticTask::Reverse:
          EXPECT_EQ(t, std::vector<std::string>(s.rbegin(), s.rend())) << src;
          for (auto& x : s) symbols.insert(x);
          break;
        case SyntheticTask::Sort: {
          auto sorted = s;  // single letters: alphabet order is string order
          std::sort(sorted.begin(), sorted.end());
          EXPECT_EQ(t, sorted) << src;
          break;
        }
        case SyntheticTask::CopyNoise: {
          std::vector<std::string> kept;
          for (auto& x : s)
            if (x != "X" && x != "Y" && x != "Z") kept.push_back(x);
          EXPECT_EQ(t, kept) << src;
          ASSERT_GE(t.size(), 3u);
          ASSERT_LE(t.size(), 8u);
          break;
        }
      }
    }
  }
  EXPECT_EQ(symbols.size(), 20u);  // a..t
  EXPECT_EQ(*symbols.rbegin(), "t");
}

TEST(Synthetic, PairsArePureFunctionsOfSeedSplitAndIndex) {
  SyntheticOptions o;
  std::string a1, a2, b1, b2;
  synthetic_pair(o, SplitKind::Train, 42, a1, a2);
  synthetic_pair(o, SplitKind::Train, 7, b1, b2);  // another pair in between changes nothing
  synthetic_pair(o, SplitKind::Train, 42, b1, b2);
  EXPECT_EQ(a1, b1);
  synthetic_pair(o, SplitKind::Dev, 42, b1, b2);
  EXPECT_NE(a1 + a2, b1 + b2);
  o.seed = 2;
  synthetic_pair(o, SplitKind::Train, 42, b1, b2);
  EXPECT_NE(a1 + a2, b1 + b2);
  EXPECT_EQ(synthetic_task_from_name("copy-noise"), SyntheticTask::CopyNoise);
  EXPECT_THROW(synthetic_task_from_name("add"), s2s::Error);
  o.min_length = 5;
  o.max_length = 4;
  EXPECT_THROW(synthetic_pair(o, SplitKind::Train, 0, b1, b2), s2s::Error);
}
