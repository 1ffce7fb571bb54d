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

// The default decode rule is training's (strict on the source): a source of exactly I tokens goes
// to the next bucket, the one training filled with that length.
TEST(Buckets, DecodeTrainingRuleIsStrictAndTruncatesToTheLast) {
  auto b = default_buckets();  // (5,10) (10,15) (20,25) (40,50)
  EXPECT_EQ(decode_bucket(b, 0).bucket, 0);
  EXPECT_EQ(decode_bucket(b, 4).bucket, 0);
  EXPECT_EQ(decode_bucket(b, 5).bucket, 1);  // 5 is not < 5: the bucket training put length 5 in
  EXPECT_EQ(decode_bucket(b, 5, DecodeBucketRule::Training).bucket, 1);
  EXPECT_EQ(decode_bucket(b, 9).bucket, 1);
  EXPECT_EQ(decode_bucket(b, 10).bucket, 2);
  EXPECT_EQ(decode_bucket(b, 19).bucket, 2);
  EXPECT_EQ(decode_bucket(b, 20).bucket, 3);
  EXPECT_EQ(decode_bucket(b, 39).bucket, 3);
  EXPECT_FALSE(decode_bucket(b, 39).truncated);
  // 40: no bucket has I > 40, so the last; it still holds all 40 tokens, nothing is cut.
  EXPECT_EQ(decode_bucket(b, 40).bucket, 3);
  EXPECT_FALSE(decode_bucket(b, 40).truncated);
  EXPECT_EQ(decode_bucket(b, 41).bucket, 3);
  EXPECT_TRUE(decode_bucket(b, 41).truncated);
  // Every length's decode bucket is its training bucket, wherever training has one.
  for (std::int64_t len = 0; len < 40; ++len) EXPECT_EQ(decode_bucket(b, len).bucket, train_bucket(b, len, 0)) << len;
}

TEST(Buckets, DecodeTranslateRuleIsNonStrictAndTruncatesToTheLast) {
  auto b = default_buckets();
  const auto translate = DecodeBucketRule::Translate;
  EXPECT_EQ(decode_bucket(b, 5, translate).bucket, 0);  // I >= len: 5 fits (5,10) in translate's decode
  EXPECT_EQ(decode_bucket(b, 6, translate).bucket, 1);
  EXPECT_EQ(decode_bucket(b, 10, translate).bucket, 1);
  EXPECT_EQ(decode_bucket(b, 11, translate).bucket, 2);
  EXPECT_EQ(decode_bucket(b, 20, translate).bucket, 2);
  EXPECT_EQ(decode_bucket(b, 40, translate).bucket, 3);
  EXPECT_FALSE(decode_bucket(b, 40, translate).truncated);
  EXPECT_EQ(decode_bucket(b, 41, translate).bucket, 3);
  EXPECT_TRUE(decode_bucket(b, 41, translate).truncated);
  EXPECT_EQ(decode_bucket(b, 0, translate).bucket, 0);
}

TEST(Buckets, DecodeRuleNames) {
  EXPECT_EQ(decode_bucket_rule_from_name("training"), DecodeBucketRule::Training);
  EXPECT_EQ(decode_bucket_rule_from_name("translate"), DecodeBucketRule::Translate);
  EXPECT_EQ(decode_bucket_rule_name(DecodeBucketRule::Training), "training");
  EXPECT_EQ(decode_bucket_rule_name(DecodeBucketRule::Translate), "translate");
  EXPECT_THROW(decode_bucket_rule_from_name("strict"), s2s::Error);
}
