// Owns: tests of the elementwise kernels (kernels/elementwise.h via kern::): arithmetic, the
// activations and their backward rules (which accumulate), clip's boundary convention, and the
// row / middle-axis broadcasts. References are the textbook formulas in long double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "s2s/kernels/elementwise.h"
#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

using LD = long double;
double unit(DType dt) { return dt == DType::F32 ? tol::kU32 : tol::kU64; }

template <class F>
std::vector<double> map2(const Tensor& a, const Tensor& b, F f) {
  std::vector<double> x = to_doubles(a), y = to_doubles(b), out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = static_cast<double>(f(static_cast<LD>(x[i]), static_cast<LD>(y[i])));
  return out;
}

TEST(Elementwise, ArithmeticIsCorrectlyRounded) {
  for (DType dt : {DType::F32, DType::F64}) {
    const Shape s{7, 33};
    Tensor a = random_tensor(s, dt, 1, -2, 2), b = random_tensor(s, dt, 2, -2, 2);
    Tensor y = Tensor::empty(s, dt);
    const double u = unit(dt);  // one rounding: relative error ≤ u
    kern::add(y, a, b);
    EXPECT_TRUE(values_close(to_doubles(y), map2(a, b, [](LD p, LD q) { return p + q; }), 0, u, s));
    kern::sub(y, a, b);
    EXPECT_TRUE(values_close(to_doubles(y), map2(a, b, [](LD p, LD q) { return p - q; }), 0, u, s));
    kern::mul(y, a, b);
    EXPECT_TRUE(values_close(to_doubles(y), map2(a, b, [](LD p, LD q) { return p * q; }), 0, u, s));
    kern::scale(y, a, -0.375);
    EXPECT_TRUE(values_close(to_doubles(y), map2(a, a, [](LD p, LD) { return -0.375L * p; }), 0, u, s));
    // y += alpha x and y += a b: two roundings, on the product and the sum.
    Tensor acc = random_tensor(s, dt, 3);
    const std::vector<double> y0 = to_doubles(acc);
    kern::axpy(acc, a, 2.5);
    std::vector<double> ref = map2(a, a, [](LD p, LD) { return 2.5L * p; }), bound(ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) {
      bound[i] = 2 * u * (std::abs(ref[i]) + std::abs(y0[i]));
      ref[i] += y0[i];
    }
    EXPECT_TRUE(values_within(to_doubles(acc), ref, bound, s));
    acc = random_tensor(s, dt, 4);
    const std::vector<double> y1 = to_doubles(acc);
    kern::mul_acc(acc, a, b);
    ref = map2(a, b, [](LD p, LD q) { return p * q; });
    for (std::size_t i = 0; i < ref.size(); ++i) {
      bound[i] = 2 * u * (std::abs(ref[i]) + std::abs(y1[i]));
      ref[i] += y1[i];
    }
    EXPECT_TRUE(values_within(to_doubles(acc), ref, bound, s));
  }
}

TEST(Elementwise, ActivationsMatchTheirFormulas) {
  for (DType dt : {DType::F32, DType::F64}) {
    const Shape s{33, 7};
    Tensor x = random_tensor(s, dt, 5, -8, 8);
    Tensor y = Tensor::empty(s, dt);
    const double tol = 4 * unit(dt);  // exp/tanh within a couple of ulps, plus the divisions
    kern::activation_forward(kern::Activation::Sigmoid, y, x);
    EXPECT_TRUE(values_close(to_doubles(y), map2(x, x, [](LD v, LD) { return 1 / (1 + std::exp(-v)); }), 0, tol, s));
    kern::activation_forward(kern::Activation::Tanh, y, x);
    EXPECT_TRUE(values_close(to_doubles(y), map2(x, x, [](LD v, LD) { return std::tanh(v); }), 0, tol, s));
    kern::activation_forward(kern::Activation::Relu, y, x);
    EXPECT_TRUE(values_close(to_doubles(y), map2(x, x, [](LD v, LD) { return v > 0 ? v : 0; }), 0, 0, s));
  }
}

TEST(Elementwise, SigmoidIsStableForLargeInputs) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::from_vector<double>({6}, {-1000, -100, -30, 30, 100, 1000}).to_dtype(dt);
    Tensor y = Tensor::empty({6}, dt);
    kern::activation_forward(kern::Activation::Sigmoid, y, x);
    const std::vector<double> v = to_doubles(y);
    for (double p : v) EXPECT_TRUE(std::isfinite(p));
    EXPECT_EQ(v[0], 0.0);
    EXPECT_EQ(v[5], 1.0);
    // sigmoid(-30) = 1 / (1 + e^30) ≈ 9.4e-14: resolved to full relative precision (computing it
    // as 1 - sigmoid(30) would lose it all).
    EXPECT_NEAR(v[2] / static_cast<double>(1 / (1 + std::exp(30.0L))), 1.0, 4 * unit(dt));
    EXPECT_GT(v[1], 0.0);  // e^-100 ≈ 3.7e-44 is a (subnormal) float
  }
}

TEST(Elementwise, ActivationBackwardsAccumulateTheDerivative) {
  for (DType dt : {DType::F32, DType::F64}) {
    const Shape s{7, 5};
    Tensor x = random_tensor(s, dt, 6, -3, 3), dy = random_tensor(s, dt, 7);
    struct A { kern::Activation f; LD (*d)(LD y); };
    for (A a : {A{kern::Activation::Sigmoid, [](LD y) { return y * (1 - y); }},
                A{kern::Activation::Tanh, [](LD y) { return 1 - y * y; }},
                A{kern::Activation::Relu, [](LD y) { return y > 0 ? LD(1) : LD(0); }}}) {
      Tensor y = Tensor::empty(s, dt);
      kern::activation_forward(a.f, y, x);
      Tensor dx = random_tensor(s, dt, 8);
      const std::vector<double> d0 = to_doubles(dx), yv = to_doubles(y), g = to_doubles(dy);
      kern::activation_backward(a.f, dx, y, dy);
      std::vector<double> ref(d0.size()), bound(d0.size());
      for (std::size_t i = 0; i < ref.size(); ++i) {
        const LD term = static_cast<LD>(g[i]) * a.d(yv[i]);
        ref[i] = static_cast<double>(d0[i] + term);
        bound[i] = 4 * unit(dt) * (std::abs(d0[i]) + 2 * std::abs(g[i]));
      }
      EXPECT_TRUE(values_within(to_doubles(dx), ref, bound, s)) << dtype_name(dt) << " activation " << int(a.f);
    }
  }
}

TEST(Elementwise, ClipPassesGradientInsideTheClosedInterval) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::from_vector<double>({7}, {-2, -0.5, -0.25, 0, 0.25, 0.5, 2}).to_dtype(dt);
    Tensor y = Tensor::empty({7}, dt);
    kern::clip_forward(y, x, -0.5, 0.5);
    EXPECT_TRUE(tensor_matches(y, {-0.5, -0.5, -0.25, 0, 0.25, 0.5, 0.5}, 0, 0));
    Tensor dx = Tensor::full({7}, dt, 10.0);
    kern::clip_backward(dx, x, Tensor::full({7}, dt, 1.0), -0.5, 0.5);
    // TF's clip_by_value gradient: passes where lo <= x <= hi, boundaries included.
    EXPECT_TRUE(tensor_matches(dx, {10, 11, 11, 11, 11, 11, 10}, 0, 0)) << dtype_name(dt);
  }
}

TEST(Elementwise, ReluBackwardBlocksAtZero) {
  Tensor y = Tensor::from_vector<float>({3}, {0.0f, 1e-30f, 2.0f});
  Tensor dx = Tensor::zeros({3}, DType::F32);
  kern::activation_backward(kern::Activation::Relu, dx, y, Tensor::full({3}, DType::F32, 5.0));
  EXPECT_EQ(dx.to_vector<float>(), (std::vector<float>{0.0f, 5.0f, 5.0f}));
}

TEST(Elementwise, AddRowVectorBroadcastsOverRows) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::from_vector<double>({2, 3}, {1, 2, 3, 4, 5, 6}).to_dtype(dt);
    Tensor bias = Tensor::from_vector<double>({3}, {10, 20, 30}).to_dtype(dt);
    Tensor y = Tensor::empty({2, 3}, dt);
    kern::add_row_vector(y, x, bias);
    EXPECT_TRUE(tensor_matches(y, {11, 22, 33, 14, 25, 36}, 0, 0));
    Tensor x3 = Tensor::zeros({2, 2, 3}, dt), y3 = Tensor::empty({2, 2, 3}, dt);
    kern::add_row_vector(y3, x3, bias);  // every row of the flattened leading axes
    EXPECT_TRUE(tensor_matches(y3, {10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30}, 0, 0));
  }
  Tensor x = Tensor::zeros({2, 3}, DType::F32), y = Tensor::empty({2, 3}, DType::F32);
  EXPECT_THROW(kern::add_row_vector(y, x, Tensor::zeros({2}, DType::F32)), Error);
}

TEST(Elementwise, AddBroadcastMiddle) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::zeros({2, 3, 2}, dt);
    Tensor v = Tensor::from_vector<double>({2, 2}, {1, 2, 3, 4}).to_dtype(dt);
    Tensor y = Tensor::empty({2, 3, 2}, dt);
    kern::add_broadcast_middle(y, x, v);
    EXPECT_TRUE(tensor_matches(y, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}, 0, 0));
  }
  Tensor x = Tensor::zeros({2, 3, 2}, DType::F32), y = Tensor::empty({2, 3, 2}, DType::F32);
  EXPECT_THROW(kern::add_broadcast_middle(y, x, Tensor::zeros({3, 2}, DType::F32)), Error);
  EXPECT_THROW(kern::add_broadcast_middle(y, x, Tensor::zeros({2, 3}, DType::F32)), Error);
}

TEST(Elementwise, OutputMayAliasAnInput) {
  // In-place use (y = x + y) is how optimizers update parameters.
  Tensor a = Tensor::from_vector<float>({3}, {1, 2, 3});
  Tensor b = Tensor::from_vector<float>({3}, {10, 20, 30});
  kern::add(b, a, b);
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>{11, 22, 33}));
  kern::activation_forward(kern::Activation::Relu, a, a);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 2, 3}));
}

}  // namespace
}  // namespace s2s::test
