// The multi-row decode batch (batched greedy decoding): each row laid out as its own B = 1 decode
// batch (hand-computed columns), one bucket per batch, errors for none or mixed buckets.
#include <gtest/gtest.h>

#include "s2s/data/decode_input.h"

using namespace s2s::data;
using I32 = std::vector<std::int32_t>;

TEST(DecodeBatchRows, RowsAreTheOneRowBatches) {
  const std::vector<Bucket> buckets = {{3, 5}, {6, 8}};
  std::vector<DecodeInput> rows(3);
  rows[0].source = {10, 11};
  rows[1].source = {12, 13, 14};
  rows[2].source = {};  // an empty line: all PAD
  Batch b = make_decode_batch(std::span<const DecodeInput>(rows), buckets);
  EXPECT_EQ(b.batch_size, 3);
  EXPECT_EQ(b.num_examples, 3);
  EXPECT_EQ(b.bucket, 0);
  // encoder [I = 3, B = 3]: reverse(src + PAD..), column per row.
  EXPECT_EQ(b.encoder_inputs.to_vector<std::int32_t>(), (I32{0, 14, 0, 11, 13, 0, 10, 12, 0}));
  // decoder [O = 5, B = 3]: GO then PAD for every row.
  EXPECT_EQ(b.decoder_inputs.to_vector<std::int32_t>(), (I32{1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  for (std::int64_t r = 0; r < 3; ++r) {
    Batch one = make_decode_batch(rows[static_cast<std::size_t>(r)], buckets);
    const auto enc1 = one.encoder_inputs.to_vector<std::int32_t>();
    const auto enc = b.encoder_inputs.to_vector<std::int32_t>();
    for (std::int64_t t = 0; t < 3; ++t) EXPECT_EQ(enc[static_cast<std::size_t>(t * 3 + r)], enc1[static_cast<std::size_t>(t)]);
  }
}

TEST(DecodeBatchRows, OneBucketPerBatch) {
  const std::vector<Bucket> buckets = {{3, 5}, {6, 8}};
  std::vector<DecodeInput> rows(2);
  rows[1].bucket = 1;
  EXPECT_THROW(make_decode_batch(std::span<const DecodeInput>(rows), buckets), s2s::Error);
  EXPECT_THROW(make_decode_batch(std::span<const DecodeInput>(), buckets), s2s::Error);
  rows[0].bucket = 1;
  rows[0].source = {1, 2, 3, 4, 5, 6};
  Batch b = make_decode_batch(std::span<const DecodeInput>(rows), buckets);
  EXPECT_EQ(b.encoder_size, 6);
  EXPECT_EQ(b.batch_size, 2);
}
