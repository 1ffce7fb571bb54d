// The device-side clip scale (kernels/clip.h) on the CPU: hand-computed cases of TF's
// clip_by_global_norm formula, float64 and float32, the no-op and NaN cases, and agreement with
// the host-norm path of train/clip.h (scale_to_global_norm) on random gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "s2s/kernels/clip.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::kern {
namespace {

TEST(ScaleByGlobalNorm, HandComputed) {
  // ||[3, 4]|| = 5; max_norm 1 -> scale 1/5.
  Tensor g = Tensor::from_vector<double>({2}, {3.0, 4.0});
  const Tensor norm_sq = Tensor::from_vector<double>({1}, {25.0});
  scale_by_global_norm(g, norm_sq, 1.0);
  EXPECT_DOUBLE_EQ(g.data<double>()[0], 0.6);
  EXPECT_DOUBLE_EQ(g.data<double>()[1], 0.8);
  // Below the threshold the gradient is multiplied by max_norm * (1 / max_norm), as TF does.
  Tensor h = Tensor::from_vector<double>({2}, {3.0, 4.0});
  scale_by_global_norm(h, norm_sq, 10.0);
  EXPECT_DOUBLE_EQ(h.data<double>()[0], 3.0 * (10.0 * (1.0 / 10.0)));
  EXPECT_DOUBLE_EQ(h.data<double>()[1], 4.0 * (10.0 * (1.0 / 10.0)));
}

TEST(ScaleByGlobalNorm, Float32UsesTheFloatExpression) {
  Tensor g = Tensor::from_vector<float>({3}, {1.0f, -2.0f, 0.5f});
  const Tensor norm_sq = Tensor::from_vector<float>({1}, {30.25f});  // norm 5.5
  scale_by_global_norm(g, norm_sq, 2.0);
  const float s = 2.0f * std::min(1.0f / 5.5f, 1.0f / 2.0f);
  EXPECT_EQ(g.data<float>()[0], 1.0f * s);
  EXPECT_EQ(g.data<float>()[1], -2.0f * s);
  EXPECT_EQ(g.data<float>()[2], 0.5f * s);
}

TEST(ScaleByGlobalNorm, NonFiniteNormMakesEveryGradientNaN) {
  for (double bad : {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    Tensor g = Tensor::from_vector<double>({2}, {1.0, 2.0});
    scale_by_global_norm(g, Tensor::from_vector<double>({1}, {bad}), 5.0);
    EXPECT_TRUE(std::isnan(g.data<double>()[0]));
    EXPECT_TRUE(std::isnan(g.data<double>()[1]));
  }
}

TEST(ScaleByGlobalNorm, ZeroNormLeavesTheGradient) {
  Tensor g = Tensor::zeros({4}, DType::F32);
  scale_by_global_norm(g, Tensor::zeros({1}, DType::F32), 5.0);
  for (float v : g.to_vector<float>()) EXPECT_EQ(v, 0.0f);
}

TEST(ScaleByGlobalNorm, RejectsBadOperands) {
  Tensor g = Tensor::zeros({4}, DType::F32);
  EXPECT_THROW(scale_by_global_norm(g, Tensor::zeros({2}, DType::F32), 5.0), Error);
  EXPECT_THROW(scale_by_global_norm(g, Tensor::zeros({1}, DType::F64), 5.0), Error);
  EXPECT_THROW(scale_by_global_norm(g, Tensor::zeros({1}, DType::F32), 0.0), Error);
}

// The norm computed in double from float64 gradients: the device path (norm² into a tensor, then
// the scale) equals sqrt of the double sum with the scale applied in double.
TEST(ScaleByGlobalNorm, MatchesTheHostFormulaOnRandomGradients) {
  std::mt19937_64 gen(7);
  std::normal_distribution<double> dist(0.0, 3.0);
  std::vector<Tensor> grads;
  double sq = 0;
  for (std::int64_t n : {5, 17, 1000}) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (double& x : v) {
      x = dist(gen);
      sq += x * x;
    }
    grads.push_back(Tensor::from_vector<double>({n}, v));
  }
  Tensor norm_sq = Tensor::empty({1}, DType::F64);
  global_sum_squares(norm_sq, grads);
  EXPECT_NEAR(norm_sq.data<double>()[0], sq, 1e-12 * sq);
  const double norm = std::sqrt(sq), max_norm = 2.0, scale = max_norm / norm;
  for (Tensor& g : grads) {
    const std::vector<double> before = g.to_vector<double>();
    scale_by_global_norm(g, norm_sq, max_norm);
    const std::vector<double> after = g.to_vector<double>();
    for (std::size_t i = 0; i < before.size(); ++i) EXPECT_NEAR(after[i], before[i] * scale, 1e-14 * std::fabs(before[i]) + 1e-300);
  }
}

}  // namespace
}  // namespace s2s::kern
