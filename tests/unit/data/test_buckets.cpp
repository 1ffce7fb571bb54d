// Bucket rules on hand-computed cases, boundaries included (legacy_seq2seq.md §8, §9.14).
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/data/buckets.h"

using namespace s2s::data;

TEST(Buckets, ParseFormatAndDefaults) {
  auto b = parse_buckets("5,10:10,15:20,25:40,50");
  EXPECT_EQ(b, default_buckets());
  EXPECT_EQ(format_buckets(b), "5,10:10,15:20,25:40,50");
  EXPECT_EQ(parse_buckets("3,3"), (std::vector<Bucket>{{3, 3}}));
  for (const char* bad : {"", "5", "5,", "5,10:", "a,b", "5,10;10,15", "5,10:4,15", "0,10", "5,2", "5,10,3"})
    EXPECT_THROW(parse_buckets(bad), s2s::Error) << bad;
}

TEST(Buckets, TrainingRuleIsStrictOnBothSides) {
  auto b = default_buckets();  // (5,10) (10,15) (20,25) (40,50)
  EXPECT_EQ(train_bucket(b, 4, 8), 0);    // 4 < 5 and 8 + 1 < 10
  EXPECT_EQ(train_bucket(b, 5, 1), 1);    // 5 is not < 5
  EXPECT_EQ(train_bucket(b, 1, 9), 1);    // 9 + 1 is not < 10
  EXPECT_EQ(train_bucket(b, 9, 13), 1);   // 9 < 10, 14 < 15
  EXPECT_EQ(train_bucket(b, 10, 13), 2);
  EXPECT_EQ(train_bucket(b, 9, 14), 2);
  EXPECT_EQ(train_bucket(b, 39, 48), 3);  // the largest that fits
  EXPECT_EQ(train_bucket(b, 40, 1), -1);  // dropped
  EXPECT_EQ(train_bucket(b, 1, 49), -1);  // 49 + 1 is not < 50: dropped
  EXPECT_EQ(train_bucket(b, 0, 0), 0);
}

TEST(Buckets, DecodeRuleIsNonStrictAndTruncatesToTheLast) {
  auto b = default_buckets();
  EXPECT_EQ(decode_bucket(b, 5).bucket, 0);  // I >= len: 5 fits (5,10) at decode time
  EXPECT_EQ(decode_bucket(b, 6).bucket, 1);
  EXPECT_EQ(decode_bucket(b, 40).bucket, 3);
  EXPECT_FALSE(decode_bucket(b, 40).truncated);
  EXPECT_EQ(decode_bucket(b, 41).bucket, 3);
  EXPECT_TRUE(decode_bucket(b, 41).truncated);
  EXPECT_EQ(decode_bucket(b, 0).bucket, 0);
}
