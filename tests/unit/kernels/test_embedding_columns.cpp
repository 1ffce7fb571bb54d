// Owns: tests of the data-movement kernels: embedding gather / scatter-add (kernels/embedding.h)
// and column-block copies (kernels/columns.h), through kern::. Values are small integers, so
// every copy and sum is exact and the expected results are built by plain indexing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "s2s/kernels/embedding.h"
#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

using ::testing::HasSubstr;

// [rows, cols] with value(r, c) = 100 r + c (+ offset).
Tensor iota2d(std::int64_t rows, std::int64_t cols, DType dt, double offset = 0) {
  std::vector<double> v(rows * cols);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) v[r * cols + c] = 100.0 * r + c + offset;
  return Tensor::from_vector<double>({rows, cols}, v).to_dtype(dt);
}

TEST(Embedding, GatherCopiesTheRowsOfTheIds) {
  for (DType dt : {DType::F32, DType::F64}) {
    const Tensor table = iota2d(7, 5, dt);
    const std::vector<std::int32_t> ids = {3, 0, 6, 3, 3, 1};
    Tensor out = Tensor::empty({6, 5}, dt);
    kern::embedding_gather(out, table, Tensor::from_vector<std::int32_t>({6}, ids));
    std::vector<double> expected;
    for (auto id : ids)
      for (int c = 0; c < 5; ++c) expected.push_back(100.0 * id + c);
    EXPECT_TRUE(tensor_matches(out, expected, tol::kExact, 0)) << dtype_name(dt);
  }
}

TEST(Embedding, GatherAcceptsIdsOfAnyRank) {
  const Tensor table = iota2d(4, 3, DType::F32);
  Tensor ids = Tensor::from_vector<std::int32_t>({2, 2}, {1, 2, 3, 0});  // [T, B]
  Tensor out = Tensor::empty({2, 2, 3}, DType::F32);
  kern::embedding_gather(out, table, ids);
  EXPECT_TRUE(tensor_matches(out, {100, 101, 102, 200, 201, 202, 300, 301, 302, 0, 1, 2}, 0, 0));
}

TEST(Embedding, ScatterAddSumsRepeatedIdsIntoExistingGradient) {
  for (DType dt : {DType::F32, DType::F64}) {
    const std::vector<std::int32_t> ids = {2, 0, 2, 4, 2};
    Tensor dtable = Tensor::full({5, 3}, dt, 1.0);  // an existing gradient: must be added to
    Tensor dout = iota2d(5, 3, dt, 1);               // row i = 100 i + c + 1
    kern::embedding_scatter_add(dtable, dout, Tensor::from_vector<std::int32_t>({5}, ids));
    std::vector<double> expected(15, 1.0);
    for (std::size_t i = 0; i < ids.size(); ++i)
      for (int c = 0; c < 3; ++c) expected[ids[i] * 3 + c] += 100.0 * i + c + 1;
    EXPECT_TRUE(tensor_matches(dtable, expected, tol::kExact, 0)) << dtype_name(dt);
  }
}

TEST(Embedding, ScatterAddIsInIndexOrder) {
  // 1 + 2^-24 + 2^-24 in float: left to right gives 1 (each tiny addend rounds away);
  // the spec'd order (ids in index order, into the existing value) is reproduced exactly.
  Tensor dtable = Tensor::full({1, 1}, DType::F32, 1.0);
  Tensor dout = Tensor::from_vector<float>({2, 1}, {0x1p-24f, 0x1p-24f});
  kern::embedding_scatter_add(dtable, dout, Tensor::from_vector<std::int32_t>({2}, {0, 0}));
  float expected = 1.0f;
  expected += 0x1p-24f;
  expected += 0x1p-24f;
  EXPECT_EQ(dtable.item(), expected);
}

TEST(Embedding, OutOfRangeIdsThrow) {
  const Tensor table = iota2d(7, 2, DType::F32);
  Tensor out = Tensor::empty({3, 2}, DType::F32);
  for (std::int32_t bad : {7, -1}) {
    Tensor ids = Tensor::from_vector<std::int32_t>({3}, {0, 6, bad});
    try {
      kern::embedding_gather(out, table, ids);
      ADD_FAILURE() << "gather accepted id " << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("embedding id " + std::to_string(bad) + " at position 2 is outside [0, 7)"));
    }
    Tensor dtable = Tensor::zeros({7, 2}, DType::F32);
    try {
      kern::embedding_scatter_add(dtable, out, ids);
      ADD_FAILURE() << "scatter accepted id " << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("outside [0, 7)"));
    }
  }
}

TEST(Embedding, ShapeAndDtypeErrors) {
  const Tensor table = iota2d(7, 2, DType::F32);
  Tensor out = Tensor::empty({3, 2}, DType::F32);
  EXPECT_THROW(kern::embedding_gather(out, table, Tensor::zeros({3}, DType::I64)), Error);
  EXPECT_THROW(kern::embedding_gather(out, table, Tensor::zeros({4}, DType::I32)), Error);
  Tensor table1d = Tensor::zeros({7}, DType::F32);
  EXPECT_THROW(kern::embedding_gather(out, table1d, Tensor::zeros({3}, DType::I32)), Error);
  Tensor dtable = Tensor::zeros({7, 2}, DType::F32);
  EXPECT_THROW(kern::embedding_scatter_add(dtable, Tensor::zeros({2, 2}, DType::F32), Tensor::zeros({3}, DType::I32)), Error);
}

TEST(Columns, CopyAndAccumulateColumnBlocks) {
  for (DType dt : {DType::F32, DType::F64}) {
    const Tensor src = iota2d(3, 7, dt);
    Tensor dst = Tensor::full({3, 5}, dt, -1.0);
    kern::copy_columns(dst, 1, src, 4, 3, /*accumulate=*/false);  // dst[:, 1:4] = src[:, 4:7]
    std::vector<double> expected(15, -1.0);
    for (int r = 0; r < 3; ++r)
      for (int j = 0; j < 3; ++j) expected[r * 5 + 1 + j] = 100.0 * r + 4 + j;
    EXPECT_TRUE(tensor_matches(dst, expected, 0, 0));
    kern::copy_columns(dst, 0, src, 0, 2, /*accumulate=*/true);  // dst[:, 0:2] += src[:, 0:2]
    for (int r = 0; r < 3; ++r)
      for (int j = 0; j < 2; ++j) expected[r * 5 + j] += 100.0 * r + j;
    EXPECT_TRUE(tensor_matches(dst, expected, 0, 0)) << dtype_name(dt);
    kern::copy_columns(dst, 5, src, 7, 0, false);  // empty block at the right edge: a no-op
    EXPECT_TRUE(tensor_matches(dst, expected, 0, 0));
  }
}

TEST(Columns, ConcatAndSplitRoundTrip) {
  // Concatenate three blocks of widths 1, 7, 33 and split them back.
  const std::int64_t rows = 4, widths[] = {1, 7, 33};
  std::vector<Tensor> parts;
  for (int i = 0; i < 3; ++i) parts.push_back(iota2d(rows, widths[i], DType::F32, 1000.0 * i));
  Tensor cat = Tensor::empty({rows, 41}, DType::F32);
  std::int64_t at = 0;
  for (int i = 0; i < 3; ++i) {
    kern::copy_columns(cat, at, parts[i], 0, widths[i], false);
    at += widths[i];
  }
  at = 0;
  for (int i = 0; i < 3; ++i) {
    Tensor back = Tensor::empty({rows, widths[i]}, DType::F32);
    kern::copy_columns(back, 0, cat, at, widths[i], false);
    EXPECT_TRUE(tensors_close(back, parts[i], 0, 0)) << "part " << i;
    at += widths[i];
  }
}

TEST(Columns, BlockOutOfRangeOrRowMismatchThrows) {
  Tensor dst = Tensor::zeros({3, 5}, DType::F32), src = Tensor::zeros({3, 7}, DType::F32);
  EXPECT_THROW(kern::copy_columns(dst, 3, src, 0, 3, false), Error);   // dst cols 3..6 > 5
  EXPECT_THROW(kern::copy_columns(dst, 0, src, 5, 3, false), Error);   // src cols 5..8 > 7
  EXPECT_THROW(kern::copy_columns(dst, -1, src, 0, 1, false), Error);
  Tensor other_rows = Tensor::zeros({4, 7}, DType::F32);
  try {
    kern::copy_columns(dst, 0, other_rows, 0, 1, false);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("copy_columns: needs 2-D tensors with equal rows, got [3, 5] and [4, 7]"));
  }
  Tensor three_d = Tensor::zeros({3, 1, 7}, DType::F32);
  EXPECT_THROW(kern::copy_columns(dst, 0, three_d, 0, 1, false), Error);
}

}  // namespace
}  // namespace s2s::test
