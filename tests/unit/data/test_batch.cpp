// Batch layout on a hand-worked example of translate's get_batch.
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/data/batch.h"

using namespace s2s;
using namespace s2s::data;

TEST(Batch, HandComputedLayout) {
  // Bucket (I=4, O=6); example 0: src [5 6 7], tgt [8 9]; example 1: src [10], tgt [11 12 13 14].
  std::vector<std::int32_t> s0 = {5, 6, 7}, t0 = {8, 9}, s1 = {10}, t1 = {11, 12, 13, 14};
  std::vector<BatchExample> ex = {{s0, t0, 3, 17}, {s1, t1, 4, 21}};
  Batch b = make_batch({4, 6}, 2, ex, 3);  // third row: padding
  EXPECT_EQ(b.bucket, 2);
  EXPECT_EQ(b.num_examples, 2);
  ASSERT_EQ(b.encoder_inputs.shape(), (Shape{4, 3}));
  ASSERT_EQ(b.decoder_inputs.shape(), (Shape{6, 3}));
  ASSERT_EQ(b.targets.shape(), (Shape{6, 3}));
  ASSERT_EQ(b.weights.shape(), (Shape{6, 3}));
  EXPECT_EQ(b.weights.dtype(), DType::F32);
  // encoder = reverse(src + PAD): ex0 [0 7 6 5], ex1 [0 0 0 10], padding row all 0. Time-major rows.
  EXPECT_EQ(b.encoder_inputs.to_vector<std::int32_t>(), (std::vector<std::int32_t>{
                                                            0, 0, 0,    //
                                                            7, 0, 0,    //
                                                            6, 0, 0,    //
                                                            5, 10, 0}));
  // decoder = [GO] + tgt + [EOS] + PAD: ex0 [1 8 9 2 0 0], ex1 [1 11 12 13 14 2], padding [1 0 0 0 0 0].
  EXPECT_EQ(b.decoder_inputs.to_vector<std::int32_t>(), (std::vector<std::int32_t>{
                                                            1, 1, 1,     //
                                                            8, 11, 0,    //
                                                            9, 12, 0,    //
                                                            2, 13, 0,    //
                                                            0, 14, 0,    //
                                                            0, 2, 0}));
  // targets[t] = decoder[t + 1], last PAD.
  EXPECT_EQ(b.targets.to_vector<std::int32_t>(), (std::vector<std::int32_t>{
                                                     8, 11, 0,    //
                                                     9, 12, 0,    //
                                                     2, 13, 0,    //
                                                     0, 14, 0,    //
                                                     0, 2, 0,     //
                                                     0, 0, 0}));
  // weight[t] = 0 if t == O-1 or decoder[t+1] == PAD: ex0 [1 1 1 0 0 0], ex1 [1 1 1 1 1 0].
  EXPECT_EQ(b.weights.to_vector<float>(), (std::vector<float>{
                                              1, 1, 0,    //
                                              1, 1, 0,    //
                                              1, 1, 0,    //
                                              0, 1, 0,    //
                                              0, 1, 0,    //
                                              0, 0, 0}));
  EXPECT_EQ(b.example_index, (std::vector<std::int64_t>{3, 4, -1}));
  EXPECT_EQ(b.source_line, (std::vector<std::int64_t>{17, 21, -1}));
}

TEST(Batch, DecodeStyleEmptyTargetWithoutEos) {
  std::vector<std::int32_t> s = {4, 5};
  BatchExample ex{s, {}, -1, -1};
  Batch b = make_batch({3, 4}, 0, std::span<const BatchExample>(&ex, 1), 1, false);
  EXPECT_EQ(b.encoder_inputs.to_vector<std::int32_t>(), (std::vector<std::int32_t>{0, 5, 4}));
  EXPECT_EQ(b.decoder_inputs.to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, 0, 0, 0}));
  EXPECT_EQ(b.weights.to_vector<float>(), (std::vector<float>{0, 0, 0, 0}));
}

TEST(Batch, TooLongExamplesAreRejected) {
  std::vector<std::int32_t> four = {4, 5, 6, 7}, three = {4, 5, 6}, two = {4, 5};
  std::vector<BatchExample> long_src = {{four, two}};
  EXPECT_THROW(make_batch({3, 5}, 0, long_src, 1), Error);
  std::vector<BatchExample> long_tgt = {{two, four}};  // GO + 4 + EOS = 6 > 5
  EXPECT_THROW(make_batch({3, 5}, 0, long_tgt, 1), Error);
  std::vector<BatchExample> fits = {{three, three}};   // GO + 3 + EOS = 5
  EXPECT_NO_THROW(make_batch({3, 5}, 0, fits, 1));
  EXPECT_THROW(make_batch({3, 5}, 0, fits, 0), Error);
}
