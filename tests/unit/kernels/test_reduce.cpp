// Owns: tests of the reductions (kernels/reduce.h via kern::): sum and sum_squares (accumulated in
// double, also for float input), sum_rows, sum_middle, and argmax_rows (first index on ties).
// Inputs are chosen so the exact results are known by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "s2s/kernels/reduce.h"
#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"

namespace s2s::test {
namespace {

TEST(Reduce, SumAndSumSquaresOfSmallIntegers) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::from_vector<double>({2, 3}, {1, -2, 3, 4, 5, -6}).to_dtype(dt);
    EXPECT_EQ(kern::sum(x), 5.0);
    EXPECT_EQ(kern::sum_squares(x), 91.0);
    EXPECT_EQ(kern::sum(Tensor::zeros({0}, dt)), 0.0);
  }
}

TEST(Reduce, FloatInputIsAccumulatedInDouble) {
  // 2^24 followed by 1000 ones: a float accumulator stays at 2^24 (each +1 rounds away),
  // a double one gives the exact 16778216.
  std::vector<float> v(1001, 1.0f);
  v[0] = 16777216.0f;
  Tensor x = Tensor::from_vector<float>({1001}, v);
  EXPECT_EQ(kern::sum(x), 16778216.0);
  // Squares: 4096^2 = 2^24, then 1000 ones.
  v[0] = 4096.0f;
  EXPECT_EQ(kern::sum_squares(Tensor::from_vector<float>({1001}, v)), 16778216.0);
  // And the square of a float is formed in double: (2^13 + 1)^2 = 2^26 + 2^14 + 1 is not a float.
  EXPECT_EQ(kern::sum_squares(Tensor::from_vector<float>({1}, {8193.0f})), 67125249.0);
}

TEST(Reduce, SumRowsOverwritesOrAccumulates) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::from_vector<double>({3, 2}, {1, 2, 3, 4, 5, 6}).to_dtype(dt);
    Tensor y = Tensor::full({2}, dt, 100.0);
    kern::sum_rows(y, x, /*accumulate=*/false);
    EXPECT_TRUE(tensor_matches(y, {9, 12}, 0, 0));
    kern::sum_rows(y, x, /*accumulate=*/true);
    EXPECT_TRUE(tensor_matches(y, {18, 24}, 0, 0));
    // Rows are everything before the last axis.
    Tensor x3 = Tensor::full({2, 3, 2}, dt, 1.0);
    kern::sum_rows(y, x3, false);
    EXPECT_TRUE(tensor_matches(y, {6, 6}, 0, 0));
  }
  Tensor y = Tensor::zeros({3}, DType::F32);
  EXPECT_THROW(kern::sum_rows(y, Tensor::zeros({3, 2}, DType::F32), false), Error);
}

TEST(Reduce, SumMiddleAccumulatesOverTheMiddleAxis) {
  for (DType dt : {DType::F32, DType::F64}) {
    // x[b, l, c] = 100 b + 10 l + c, B = 2, L = 3, C = 2.
    std::vector<double> v;
    for (int b = 0; b < 2; ++b)
      for (int l = 0; l < 3; ++l)
        for (int c = 0; c < 2; ++c) v.push_back(100 * b + 10 * l + c);
    Tensor x = Tensor::from_vector<double>({2, 3, 2}, v).to_dtype(dt);
    Tensor y = Tensor::full({2, 2}, dt, 1.0);  // existing values are added to
    kern::sum_middle(y, x);
    EXPECT_TRUE(tensor_matches(y, {1 + 30, 1 + 33, 1 + 330, 1 + 333}, 0, 0)) << dtype_name(dt);
  }
  Tensor y = Tensor::zeros({2, 3}, DType::F32);
  EXPECT_THROW(kern::sum_middle(y, Tensor::zeros({2, 3, 2}, DType::F32)), Error);
}

TEST(Reduce, ArgmaxReturnsTheFirstMaximalIndex) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::from_vector<double>(
        {6, 4}, {1, 3, 3, 2,                    // tie: first of the two 3s
                 5, 5, 5, 5,                    // all equal: 0
                 -1, -2, -3, 7,                 // max at the end
                 -INFINITY, -INFINITY, -INFINITY, -INFINITY,
                 0, -0.0, 0, 0,                 // +0 == -0: still the first
                 2, INFINITY, 1, INFINITY}).to_dtype(dt);
    Tensor idx = Tensor::full({6}, DType::I32, -7);
    kern::argmax_rows(idx, x);
    EXPECT_EQ(idx.to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, 0, 3, 0, 0, 1})) << dtype_name(dt);
  }
}

TEST(Reduce, ArgmaxOverLeadingAxesAndRandomRowsMatchesALinearScan) {
  Tensor x = random_tensor({3, 5, 33}, DType::F32, 9);
  Tensor idx = Tensor::empty({15}, DType::I32);
  kern::argmax_rows(idx, x);
  const float* p = x.data<float>();
  for (int r = 0; r < 15; ++r) {
    int best = 0;
    for (int j = 1; j < 33; ++j)
      if (p[r * 33 + j] > p[r * 33 + best]) best = j;
    EXPECT_EQ(idx.data<std::int32_t>()[r], best) << "row " << r;
  }
  EXPECT_THROW(kern::argmax_rows(idx, Tensor::zeros({16, 2}, DType::F32)), Error);
  Tensor idx64 = Tensor::empty({15}, DType::I64);
  EXPECT_THROW(kern::argmax_rows(idx64, x), Error);
}

}  // namespace
}  // namespace s2s::test
