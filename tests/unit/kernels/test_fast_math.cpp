// Owns: tests of the CPU kernels' float32 exp, tanh and sigmoid (src/kernels/cpu/fast_math.h):
// accuracy against float64 std::exp/std::tanh over every float of the ranges where the errors
// peak and every 61st float elsewhere, the special values (NaN, ±inf, ±0, subnormals), tanh's
// oddness and sigmoid's symmetry, monotonicity across tanh's two branches, the lane sum's order,
// and that a kernel's vectorised body and scalar tail give the same bits for the same element.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../../../src/kernels/cpu/fast_math.h"
#include "s2s/kernels/attention.h"
#include "s2s/kernels/elementwise.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

namespace vm = s2s::cpu::vmath;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The bounds, in ulps of the exact result (the spacing of floats at the float64 reference, 2^-149
// for subnormal results). Measured maxima over every float on x86-64 (SSE2, no FMA): exp 0.98,
// tanh 1.07, sigmoid 2.40. The bounds add room for compilers that contract a*b+c into an FMA
// (aarch64 GCC does by default), which moves each rounding but not the analysis in fast_math.h:
//  * exp: the reduced argument r (exact product n·ln2_hi, ≤ ½ ulp of r in the low part) and the
//    degree-6 polynomial (minimax error 0.06u) leave the final 1 + (r + r²C) rounding (½ ulp)
//    plus ≤ ½ ulp of propagated error; the scaling by 2^n is exact for normal results.
//  * tanh: |x| < 0.75: x plus a correction ≤ x/3 with a few u of its own error; |x| ≥ 0.75: the
//    exp error damped by 2e^{2|x|}/(e^{2|x|}+1)² ≤ 0.3, three roundings on 2/(e^{2|x|}+1) ≤ 0.37
//    and the final ½ ulp.
//  * sigmoid: e/(1+e) in the negative tail carries exp's error in full, then two roundings.
// In relative terms (u = 2^-24) these stay inside the 4u that tests/unit/kernels/test_elementwise
// allows for a float32 activation.
constexpr double kExpMaxUlp = 1.5;
constexpr double kTanhMaxUlp = 1.5;
constexpr double kSigmoidMaxUlp = 3.0;

std::uint32_t bits(float x) { return std::bit_cast<std::uint32_t>(x); }

double ulp_at(double ref) {
  const double a = std::abs(ref);
  if (a < static_cast<double>(std::numeric_limits<float>::min())) return std::ldexp(1.0, -149);
  int e = 0;
  std::frexp(a, &e);  // a = m 2^e, m in [0.5, 1): float spacing 2^(e-24)
  return std::ldexp(1.0, e - 24);
}

struct MaxError {
  double ulp = 0, rel = 0, abs = 0;
  float worst_x = 0;
  double worst_got = 0, worst_ref = 0;
  void add(float x, float got, double ref) {
    const double err = std::abs(static_cast<double>(got) - ref);
    const double in_ulp = err / ulp_at(ref);
    if (in_ulp > ulp) {
      ulp = in_ulp;
      worst_x = x;
      worst_got = got;
      worst_ref = ref;
    }
    if (std::abs(ref) >= static_cast<double>(std::numeric_limits<float>::min()))
      rel = std::max(rel, err / std::abs(ref));
    abs = std::max(abs, err);
  }
  std::string report() const {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "max %.3f ulp (relative %.3g = %.2f u, absolute %.3g) at x = %.9g: got %.9g, exact %.12g", ulp, rel,
                  rel / tol::kU32, abs, worst_x, worst_got, worst_ref);
    return buf;
  }
};

// Every float in [lo, hi] (both finite, same sign or zero), every `stride`-th by bit pattern.
template <class F> void sweep(float lo, float hi, std::uint32_t stride, F f) {
  auto visit = [&](std::uint32_t first, std::uint32_t last, bool negative) {
    for (std::uint64_t b = first; b <= last; b += stride) {
      const float m = std::bit_cast<float>(static_cast<std::uint32_t>(b));
      f(negative ? -m : m);
    }
  };
  if (lo < 0) visit(std::bit_cast<std::uint32_t>(hi < 0 ? -hi : 0.0f), std::bit_cast<std::uint32_t>(-lo), true);
  if (hi >= 0) visit(std::bit_cast<std::uint32_t>(lo > 0 ? lo : 0.0f), std::bit_cast<std::uint32_t>(hi), false);
}

double sigmoid_ref(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

TEST(FastMath, TanhWithinBoundOverEveryFloat) {
  MaxError err;
  auto check = [&](float x) { err.add(x, vm::tanh_f32(x), std::tanh(static_cast<double>(x))); };
  // x ≥ 0 only: tanh is odd bit for bit (TanhIsOddAndSigmoidIsSymmetric).
  sweep(0.25f, 2.0f, 1, check);            // every float around the 0.75 split, where the error peaks
  sweep(0.0f, 100.0f, 61, check);          // the rest (saturated to 1 in float beyond 9.02)
  sweep(0.0f, std::numeric_limits<float>::max(), 4099, check);
  EXPECT_LE(err.ulp, kTanhMaxUlp) << err.report();
  std::printf("tanh: %s\n", err.report().c_str());
}

TEST(FastMath, ExpWithinBoundOverEveryFloat) {
  MaxError err;
  // Inputs whose exact result is a finite float: x ≤ ln(FLT_MAX) = 88.7228391...
  const float hi = std::nextafter(88.72284f, 0.0f);
  auto check = [&](float x) { err.add(x, vm::exp_f32(x), std::exp(static_cast<double>(x))); };
  sweep(4.0f, 64.0f, 7, check);            // the binades with the largest measured errors
  sweep(-64.0f, -4.0f, 7, check);
  sweep(-110.0f, hi, 61, check);           // includes the subnormal results below -87.34
  EXPECT_LE(err.ulp, kExpMaxUlp) << err.report();
  std::printf("exp: %s\n", err.report().c_str());
}

TEST(FastMath, SigmoidWithinBoundOverEveryFloat) {
  MaxError err;
  auto check = [&](float x) { err.add(x, vm::sigmoid_f32(x), sigmoid_ref(static_cast<double>(x))); };
  sweep(-8.0f, -2.0f, 2, check);           // the negative tail e/(1+e), where the error peaks
  sweep(-120.0f, 120.0f, 61, check);       // subnormal results below x = -87.3
  EXPECT_LE(err.ulp, kSigmoidMaxUlp) << err.report();
  std::printf("sigmoid: %s\n", err.report().c_str());
}

TEST(FastMath, SpecialValues) {
  const float nans[] = {kNaN, -kNaN, std::bit_cast<float>(0x7fc12345u), std::bit_cast<float>(0x7f800001u)};
  for (float n : nans) {
    EXPECT_TRUE(std::isnan(vm::exp_f32(n)));
    EXPECT_TRUE(std::isnan(vm::tanh_f32(n)));
    EXPECT_TRUE(std::isnan(vm::sigmoid_f32(n)));
  }
  EXPECT_EQ(vm::tanh_f32(kInf), 1.0f);
  EXPECT_EQ(vm::tanh_f32(-kInf), -1.0f);
  EXPECT_EQ(vm::sigmoid_f32(kInf), 1.0f);
  EXPECT_EQ(vm::sigmoid_f32(-kInf), 0.0f);
  EXPECT_EQ(vm::exp_f32(kInf), kInf);
  EXPECT_EQ(vm::exp_f32(-kInf), 0.0f);
  // Saturation where float rounds the exact value: tanh(x) = 1 from x ≈ 9.01, exp overflows past
  // ln(FLT_MAX) and underflows to 0 below -150 ln 2 ≈ -103.97.
  EXPECT_EQ(vm::tanh_f32(9.1f), 1.0f);
  EXPECT_EQ(vm::tanh_f32(-1e30f), -1.0f);
  EXPECT_EQ(vm::tanh_f32(std::numeric_limits<float>::max()), 1.0f);
  EXPECT_EQ(vm::exp_f32(88.73f), kInf);
  EXPECT_TRUE(std::isfinite(vm::exp_f32(88.72f)));
  EXPECT_EQ(vm::exp_f32(-104.0f), 0.0f);
  EXPECT_EQ(vm::exp_f32(-1e30f), 0.0f);
  EXPECT_GT(vm::exp_f32(-103.0f), 0.0f);  // e^-103 ≈ 1.4e-45·1.9: a subnormal
  EXPECT_EQ(vm::sigmoid_f32(-1e30f), 0.0f);
  EXPECT_GT(vm::sigmoid_f32(-100.0f), 0.0f);  // e^-100 ≈ 3.7e-44 is a (subnormal) float
  EXPECT_EQ(vm::sigmoid_f32(20.0f), 1.0f);
  // Zeros keep their sign through tanh; exp(±0) = 1 and sigmoid(±0) = 1/2 exactly.
  EXPECT_EQ(bits(vm::tanh_f32(0.0f)), 0u);
  EXPECT_EQ(bits(vm::tanh_f32(-0.0f)), 0x80000000u);
  EXPECT_EQ(vm::exp_f32(0.0f), 1.0f);
  EXPECT_EQ(vm::exp_f32(-0.0f), 1.0f);
  EXPECT_EQ(vm::sigmoid_f32(0.0f), 0.5f);
  EXPECT_EQ(vm::sigmoid_f32(-0.0f), 0.5f);
  // Subnormal x: tanh(x) = x exactly (every one of them), exp(x) = 1, sigmoid(x) = 1/2.
  for (std::uint32_t b = 1; b < 0x00800000u; ++b) {
    const float x = std::bit_cast<float>(b);
    ASSERT_EQ(vm::tanh_f32(x), x) << "subnormal bits " << b;
    ASSERT_EQ(vm::tanh_f32(-x), -x) << "subnormal bits " << b;
  }
  EXPECT_EQ(vm::exp_f32(std::numeric_limits<float>::denorm_min()), 1.0f);
  EXPECT_EQ(vm::sigmoid_f32(-std::numeric_limits<float>::denorm_min()), 0.5f);
}

TEST(FastMath, TanhIsOddAndSigmoidIsSymmetric) {
  // tanh(-x) = -tanh(x) bit for bit (the sign is applied last); sigmoid(x) + sigmoid(-x) = 1 up
  // to the roundings of 1/(1+e) and e/(1+e), which share e and 1 + e: |sum - 1| ≤ 2u + ½ ulp(1).
  double worst = 0;
  float worst_x = 0;
  sweep(0.0f, 100.0f, 127, [&](float x) {
    ASSERT_EQ(bits(vm::tanh_f32(-x)), bits(vm::tanh_f32(x)) ^ 0x80000000u) << x;
    const double d = std::abs(static_cast<double>(vm::sigmoid_f32(x)) + vm::sigmoid_f32(-x) - 1.0);
    if (d > worst) { worst = d; worst_x = x; }
  });
  EXPECT_LE(worst, 3 * tol::kU32) << "at x = " << worst_x;
}

TEST(FastMath, TanhAndExpAreMonotoneAcrossTheSplit) {
  // The two tanh branches meet at |x| = 0.75: no step backwards at any float of [0.5, 1] (tanh is
  // odd bit for bit, so the negative side follows). exp over the same floats for good measure.
  // (Sigmoid is not monotone at the ulp level: e/(1+e) rounds twice; the old libm one was not
  // either.)
  float prev_t = vm::tanh_f32(0.5f), prev_e = vm::exp_f32(0.5f);
  float first_bad_t = 0, first_bad_e = 0;
  sweep(0.5f, 1.0f, 1, [&](float x) {
    const float t = vm::tanh_f32(x), e = vm::exp_f32(x);
    if (t < prev_t && first_bad_t == 0) first_bad_t = x;
    if (e < prev_e && first_bad_e == 0) first_bad_e = x;
    prev_t = t;
    prev_e = e;
  });
  EXPECT_EQ(first_bad_t, 0.0f) << "tanh decreases at x = " << first_bad_t;
  EXPECT_EQ(first_bad_e, 0.0f) << "exp decreases at x = " << first_bad_e;
}

TEST(FastMath, LaneSumOrderIsFixed) {
  // Term i goes to lane i % 8; lanes are combined as ((0+4)+(1+5))+((2+6)+(3+7)). With terms that
  // cancel only in that grouping the result is exact: 1e8 and -1e8 share lane 0.
  std::vector<float> x(19, 0.0f);
  x[0] = 1e8f;
  x[1] = 1.0f;
  x[8] = -1e8f;
  x[18] = 0.5f;  // lane 2, from the tail of a second add
  vm::LaneSum<float> s;
  s.add(x.data(), 16);
  s.add(x.data() + 16, 3);
  EXPECT_EQ(s.total(), 1.5f);
  vm::LaneSum<double> d;
  const double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
  d.add_products(a, b, 3);
  EXPECT_EQ(d.total(), 32.0);
}

TEST(FastMath, KernelsGiveTheSameBitsWhereverTheElementLies) {
  // A vectorised loop handles its first and last elements in a scalar prologue/epilogue; both
  // must compute the same formula. Run the kernels at every offset and length up to 3 vectors
  // and compare each element with the scalar function.
  std::vector<float> x(64), y(64);
  for (int i = 0; i < 64; ++i) x[i] = -9.0f + 0.29f * static_cast<float>(i) + 1e-3f * static_cast<float>(i % 7);
  for (int off = 0; off < 8; ++off)
    for (int n = 1; n + off <= 40; ++n) {
      cpu::tanh_forward(y.data() + off, x.data() + off, n);
      for (int i = off; i < off + n; ++i)
        ASSERT_EQ(bits(y[i]), bits(vm::tanh_f32(x[i]))) << off << " " << n << " " << i;
      cpu::sigmoid_forward(y.data() + off, x.data() + off, n);
      for (int i = off; i < off + n; ++i)
        ASSERT_EQ(bits(y[i]), bits(vm::sigmoid_f32(x[i]))) << off << " " << n << " " << i;
    }
  // The attention score of a row does not depend on which row of the batch holds it.
  const std::int64_t b = 3, l = 5, a = 37;
  std::vector<float> f(b * l * a), yv(b * a), v(a), e(b * l);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = std::sin(0.37f * static_cast<float>(i % (l * a)));
  for (std::size_t i = 0; i < yv.size(); ++i) yv[i] = std::cos(0.11f * static_cast<float>(i % a));
  for (std::int64_t i = 0; i < a; ++i) v[i] = 0.5f - 0.03f * static_cast<float>(i);
  cpu::attention_score_forward(e.data(), f.data(), yv.data(), v.data(), b, l, a);
  for (std::int64_t r = 1; r < b; ++r)
    for (std::int64_t j = 0; j < l; ++j) EXPECT_EQ(bits(e[r * l + j]), bits(e[j]));
}

}  // namespace
}  // namespace s2s::test
