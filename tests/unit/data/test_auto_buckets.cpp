// choose_buckets on hand-worked length distributions (the rule: s2s/data/auto_buckets.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/data/auto_buckets.h"

using namespace s2s;
using namespace s2s::data;

namespace {

// 100 pairs (source tokens s, target tokens t) x count; a pair needs a = s + 1, b = t + 2:
//   (2,3) x40 -> a=3,b=5   (4,6) x30 -> a=5,b=8   (8,9) x20 -> a=9,b=11   (12,4) x9 -> a=13,b=6
//   (50,60) x1 -> a=51,b=62 (the outlier)
// Drop share 1 %: allowed = 1, need 99 pairs in the largest bucket. Candidates: I=13 holds 99
// (all but the outlier), their b <= 11 -> (13,11), area 143; I=51 holds 100, the 99th b is 11 ->
// (51,11), area 561. Largest: (13,11); the outlier is dropped; K = 99.
// k=3: need ceil(3*99/4) = 75 inside (13,11): I=9 holds 90, b: 5 x40, 8 x30, 11 x20 -> 75th is 11
//      -> (9,11) area 99; I=13 holds 99, b: 5 x40, 6 x9, 8 x30 -> 75th is 8 -> (13,8) area 104.
//      -> (9,11).
// k=2: need 50 inside (9,11): I=5 holds 70, 50th b is 8 -> (5,8) area 40; I=9 -> (9,8) area 72.
// k=1: need 25 inside (5,8): I=3 holds 40, 25th b is 5 -> (3,5) area 15; I=5 -> (5,5) area 25.
// Buckets (3,5) (5,8) (9,11) (13,11); train_bucket puts 40, 30, 20 and 9 pairs in them.
LengthHistogram worked_example() {
  LengthHistogram h;
  h.add(2, 3, 40);
  h.add(4, 6, 30);
  h.add(8, 9, 20);
  h.add(12, 4, 9);
  h.add(50, 60, 1);
  return h;
}

TEST(AutoBuckets, HandWorkedDistribution) {
  const auto b = choose_buckets(worked_example(), {4, 0.01});
  EXPECT_EQ(b, (std::vector<Bucket>{{3, 5}, {5, 8}, {9, 11}, {13, 11}}));
  std::vector<int> per_bucket(b.size(), 0);
  int dropped = 0;
  for (const auto& e : worked_example().entries()) {
    const int k = train_bucket(b, e.source, e.target);
    (k < 0 ? dropped : per_bucket[static_cast<std::size_t>(k)]) += static_cast<int>(e.count);
  }
  EXPECT_EQ(per_bucket, (std::vector<int>{40, 30, 20, 9}));
  EXPECT_EQ(dropped, 1);
}

// No drop allowed: the largest bucket must hold the outlier. I=51 (all 100), 100th b = 62 ->
// (51,62), the only candidate. k=1 of 2: need 50 inside it: I=3 holds 40 < 50; I=5 holds 70,
// 50th b = 8 -> (5,8) area 40; I=9 -> 90, 50th b 8 -> area 72; I=13 -> 99, 50th b 8 -> area
// 104; I=51 -> 50th b 8 -> area 408. -> (5,8).
TEST(AutoBuckets, NoDropKeepsTheOutlier) {
  EXPECT_EQ(choose_buckets(worked_example(), {2, 0.0}), (std::vector<Bucket>{{5, 8}, {51, 62}}));
}

// A 10 % share may drop the 9 pairs (12,4) and the outlier (10 pairs): need 90 -> I=9 holds 90
// with b <= 11 -> (9,11) area 99, smaller than (13,11) at 143.
TEST(AutoBuckets, LargerShareDropsMore) {
  EXPECT_EQ(choose_buckets(worked_example(), {1, 0.10}), (std::vector<Bucket>{{9, 11}}));
}

// One length only: every bucket would be the same; duplicates are removed. O is at least 3.
TEST(AutoBuckets, FewLengthsGiveFewerBuckets) {
  LengthHistogram h;
  h.add(1, 0, 7);  // a=2, b=2 -> O raised to 3
  EXPECT_EQ(choose_buckets(h, {4, 0.01}), (std::vector<Bucket>{{2, 3}}));
}

TEST(AutoBuckets, ParseAndErrors) {
  AutoBucketOptions o;
  EXPECT_TRUE(parse_auto_buckets("auto", o));
  EXPECT_EQ(o.count, 4);
  EXPECT_TRUE(parse_auto_buckets("auto:6", o));
  EXPECT_EQ(o.count, 6);
  EXPECT_FALSE(parse_auto_buckets("5,10:10,15", o));
  EXPECT_THROW(parse_auto_buckets("auto:0", o), Error);
  EXPECT_THROW(parse_auto_buckets("auto:x", o), Error);
  EXPECT_THROW(choose_buckets(LengthHistogram(), {}), Error);
  EXPECT_THROW(choose_buckets(worked_example(), {4, 1.0}), Error);
}

}  // namespace
