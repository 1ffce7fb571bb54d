// Owns: tests of the arith kernels (kernels/arith.h: div, div_backward, transpose) on
// hand-worked values, of the device-memory reductions sum_to and global_sum_squares (exact sums of
// small integers, the global norm² equal to the sum of the per-tensor sums of squares), and of the
// kern:: optimizer updates against one hand-computed step each.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

TEST(Arith, DivAndBackwardOnExactValues) {
  for (DType dt : {DType::F32, DType::F64}) {
    // Powers of two: every quotient and product is exact.
    Tensor a = Tensor::from_vector<double>({4}, {1, -6, 0.5, 8}).to_dtype(dt);
    Tensor b = Tensor::from_vector<double>({4}, {2, 4, -0.25, 16}).to_dtype(dt);
    Tensor y = Tensor::empty({4}, dt);
    kern::div(y, a, b);
    EXPECT_TRUE(tensor_matches(y, {0.5, -1.5, -2, 0.5}, 0, 0)) << dtype_name(dt);
    Tensor dy = Tensor::from_vector<double>({4}, {1, 2, 4, -8}).to_dtype(dt);
    Tensor da = Tensor::full({4}, dt, 1.0), db = Tensor::zeros({4}, dt);
    kern::div_backward(&da, &db, b, y, dy);
    // da = 1 + dy / b; db = −dy y / b.
    EXPECT_TRUE(tensor_matches(da, {1.5, 1.5, -15, 0.5}, 0, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(db, {-0.25, 0.75, -32, 0.25}, 0, 0)) << dtype_name(dt);
    Tensor db_only = Tensor::zeros({4}, dt);
    kern::div_backward(nullptr, &db_only, b, y, dy);
    EXPECT_TRUE(tensors_close(db_only, db, 0, 0)) << dtype_name(dt);
  }
}

TEST(Arith, TransposeCopiesAndAccumulates) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::from_vector<double>({2, 3}, {1, 2, 3, 4, 5, 6}).to_dtype(dt);
    Tensor y = Tensor::empty({3, 2}, dt);
    kern::transpose(y, x, false);
    EXPECT_TRUE(tensor_matches(y, {1, 4, 2, 5, 3, 6}, 0, 0)) << dtype_name(dt);
    kern::transpose(y, x, true);
    EXPECT_TRUE(tensor_matches(y, {2, 8, 4, 10, 6, 12}, 0, 0)) << dtype_name(dt);
    Tensor bad = Tensor::empty({2, 3}, dt);
    EXPECT_THROW(kern::transpose(bad, x, false), Error);
  }
}

TEST(DeviceReductions, SumToAndGlobalSumSquaresAreExactOnIntegers) {
  for (DType dt : {DType::F32, DType::F64}) {
    std::vector<Tensor> xs = {Tensor::from_vector<double>({3}, {1, -2, 3}).to_dtype(dt),
                              Tensor::zeros({0, 4}, dt),
                              Tensor::from_vector<double>({2, 2}, {4, 0, -1, 2}).to_dtype(dt)};
    Tensor out = Tensor::empty({}, dt);
    kern::sum_to(out, xs[0]);
    EXPECT_EQ(out.item(), 2.0) << dtype_name(dt);
    kern::global_sum_squares(out, xs);
    EXPECT_EQ(out.item(), 1 + 4 + 9 + 16 + 1 + 4.0) << dtype_name(dt);
    EXPECT_EQ(kern::global_sum_squares(xs), 35.0) << dtype_name(dt);
    EXPECT_EQ(kern::global_sum_squares(std::vector<Tensor>{}), 0.0);
  }
}

TEST(DeviceReductions, GlobalSumSquaresIsTheSumOfPerTensorSums) {
  std::vector<Tensor> xs;
  double want = 0;
  for (std::int64_t i = 0; i < 5; ++i) {
    xs.push_back(random_tensor({7 * i + 1, 33}, DType::F64, i + 1));
    want += kern::sum_squares(xs.back());
  }
  // Both are sequential double sums of the same terms, grouped differently: a few ulps apart.
  EXPECT_NEAR(kern::global_sum_squares(xs), want, 64 * tol::kU64 * want);
  xs.push_back(Tensor::zeros({2}, DType::F32));
  EXPECT_THROW(kern::global_sum_squares(xs), Error);  // mixed dtypes
}

TEST(OptimizerKernels, OneHandComputedStepEach) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor var = Tensor::from_vector<double>({2}, {1, -2}).to_dtype(dt);
    Tensor grad = Tensor::from_vector<double>({2}, {0.5, -4}).to_dtype(dt);
    kern::sgd_update(var, grad, 0.25);  // var -= 0.25 g
    EXPECT_TRUE(tensor_matches(var, {0.875, -1}, 0, 0)) << dtype_name(dt);
    Tensor accum = Tensor::from_vector<double>({2}, {2, 1}).to_dtype(dt);
    kern::momentum_update(var, accum, grad, 0.5, 0.5);  // accum = 0.5 accum + g; var -= 0.5 accum
    EXPECT_TRUE(tensor_matches(accum, {1.5, -3.5}, 0, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(var, {0.125, 0.75}, 0, 0)) << dtype_name(dt);
    // Adam, first step from zero slots with beta powers = beta: m = (1−β1) g, v = (1−β2) g²,
    // alpha = lr √(1−β2) / (1−β1), so var -= lr g / (|g| + ε / √(1−β2)) ≈ lr sign(g).
    Tensor m = Tensor::zeros({2}, dt), v = Tensor::zeros({2}, dt);
    Tensor w = Tensor::from_vector<double>({2}, {0, 0}).to_dtype(dt);
    kern::adam_update(w, m, v, grad, 0.9, 0.999, 0.01, 0.9, 0.999, 1e-8);
    const double u = dt == DType::F32 ? tol::kU32 : tol::kU64;
    const double eps_rel = 1e-8 / std::sqrt(0.001);
    EXPECT_TRUE(tensor_matches(w, {-0.01 * 0.5 / (0.5 + eps_rel), 0.01 * 4 / (4 + eps_rel)}, 0, 32 * u))
        << dtype_name(dt);
  }
}

}  // namespace
}  // namespace s2s::test
