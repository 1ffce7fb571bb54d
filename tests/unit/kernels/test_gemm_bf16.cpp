// Owns: tests of the matmul precision setting and the CPU bf16 GEMM (kernels/gemm.h, bf16.h):
//   - the host bfloat16 rounding against hand-computed bit patterns (ties to even, carries into
//     the exponent, overflow to infinity, NaN/Inf, negative values, subnormals) and against an
//     independent value-based nearest-even rounding on a million random float32 patterns;
//   - a BF16 GEMM equals, bit for bit, the float32 GEMM of operands rounded beforehand (every
//     transpose, alpha/beta, batched, through cpu:: and through kern::gemm);
//   - its error against a long-double product of the original operands is within the bf16 bound
//     (tol::bf16_gemm_bound) and, on random data, far larger than float32's (the mode is on);
//   - float64 GEMMs and TF32 on the CPU are float32/float64 arithmetic, unchanged;
//   - the setting: default, set/get, scopes (nested, restoring), names and parsing.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/kernels/bf16.h"
#include "s2s/kernels/gemm.h"
#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

using kern::MatmulPrecision;
using kern::MatmulPrecisionScope;

float from_bits(std::uint32_t u) { return std::bit_cast<float>(u); }
std::uint32_t bits_of(float x) { return std::bit_cast<std::uint32_t>(x); }

// ---- rounding: hand-computed patterns ------------------------------------------------------------
struct RoundCase {
  std::uint32_t in;
  std::uint16_t out;
  const char* what;
};

TEST(Bf16Rounding, HandComputedBitPatterns) {
  const RoundCase cases[] = {
      {0x3F800000u, 0x3F80, "1.0 is exact"},
      {0xC0200000u, 0xC020, "-2.5 is exact"},
      {0x00000000u, 0x0000, "+0"},
      {0x80000000u, 0x8000, "-0 keeps its sign"},
      {0x3F807FFFu, 0x3F80, "just below half an ulp rounds down"},
      {0x3F808001u, 0x3F81, "just above half an ulp rounds up"},
      {0x3F808000u, 0x3F80, "tie, even low bit: stays (1 + 2^-8 -> 1)"},
      {0x3F818000u, 0x3F82, "tie, odd low bit: up to even"},
      {0xBF808001u, 0xBF81, "negative, above half: away from zero"},
      {0xBF818000u, 0xBF82, "negative tie to even"},
      {0xBF808000u, 0xBF80, "negative tie to even (down in magnitude)"},
      {0x3FFF8000u, 0x4000, "tie with odd 0x3FFF carries into the exponent: 2.0"},
      {0x7F7F7FFFu, 0x7F7F, "below half an ulp under bf16 max stays finite"},
      {0x7F7F8000u, 0x7F80, "tie at bf16 max (odd) rounds to +inf"},
      {0x7F7FFFFFu, 0x7F80, "FLT_MAX rounds to +inf"},
      {0xFF7FFFFFu, 0xFF80, "-FLT_MAX rounds to -inf"},
      {0x7F800000u, 0x7F80, "+inf"},
      {0xFF800000u, 0xFF80, "-inf"},
      {0x7FC00000u, kern::kBf16CanonicalNaN, "quiet NaN -> canonical NaN"},
      {0xFFC00001u, kern::kBf16CanonicalNaN, "negative NaN -> canonical NaN"},
      {0x7F800001u, kern::kBf16CanonicalNaN, "signalling NaN (would round to inf bits) -> NaN"},
      {0x00000001u, 0x0000, "smallest subnormal rounds to +0"},
      {0x00008000u, 0x0000, "subnormal tie, even: down to 0"},
      {0x00018000u, 0x0002, "subnormal tie, odd: up to even"},
      {0x00008001u, 0x0001, "subnormal above half: smallest bf16 subnormal"},
      {0x80008001u, 0x8001, "negative subnormal"},
      {0x007FFFFFu, 0x0080, "largest float32 subnormal rounds up to the smallest normal"},
      {0x3EAAAAABu, 0x3EAB, "1/3 -> 171/512"},
  };
  for (const RoundCase& c : cases) {
    EXPECT_EQ(kern::float_to_bf16_bits(from_bits(c.in)), c.out)
        << c.what << ": 0x" << std::hex << c.in << " -> 0x" << kern::float_to_bf16_bits(from_bits(c.in));
  }
  // The same cases as values: 1/3 is 171/512 in bfloat16 (the multiple of 2^-9 nearest to it).
  EXPECT_EQ(kern::round_to_bf16(1.0f / 3.0f), 171.0f / 512.0f);
  EXPECT_EQ(kern::round_to_bf16(-1.0f / 3.0f), -171.0f / 512.0f);
  EXPECT_EQ(kern::round_to_bf16(257.0f), 256.0f);  // 257 = 256 + half an ulp (2): tie to even
  EXPECT_EQ(kern::round_to_bf16(259.0f), 260.0f);  // 258 is odd (0x4381): tie goes up to 260
  EXPECT_TRUE(std::isnan(kern::round_to_bf16(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(kern::round_to_bf16(-std::numeric_limits<float>::infinity()), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::signbit(kern::round_to_bf16(-0.0f)));
}

// Independent reference: the two bfloat16 neighbours of |x| by value, the nearer one, ties to the
// one with an even last mantissa bit; past the largest bfloat16 the upper neighbour is 2^128
// (infinity), as IEEE round-to-nearest overflows.
std::uint16_t reference_bf16(float x) {
  if (std::isnan(x)) return kern::kBf16CanonicalNaN;
  const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0x0000;
  if (std::isinf(x)) return sign | 0x7F80;
  const double ax = std::fabs(static_cast<double>(x));
  const std::uint16_t below = static_cast<std::uint16_t>((bits_of(x) & 0x7FFFFFFFu) >> 16);  // |bf16| <= |x|
  const std::uint16_t above = below + 1;
  const double lo = std::fabs(static_cast<double>(kern::bf16_bits_to_float(below)));
  const double hi = above == 0x7F80 ? std::ldexp(1.0, 128) : static_cast<double>(kern::bf16_bits_to_float(above));
  if (ax == lo) return sign | below;
  const double d_lo = ax - lo, d_hi = hi - ax;
  if (d_lo < d_hi) return sign | below;
  if (d_hi < d_lo) return sign | above;
  return sign | ((below & 1) == 0 ? below : above);
}

TEST(Bf16Rounding, MatchesValueBasedNearestEvenOnRandomPatterns) {
  std::mt19937 gen(20261124);
  std::int64_t mismatches = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    std::uint32_t u = gen();
    if (i % 4 == 1) u = (u & 0xFFFF0000u) | 0x8000u;  // a quarter exact ties
    if (i % 4 == 2) u = (u & 0xFFFF0000u) | (0x7FFFu + (u & 2));  // just below / above the tie
    const float x = from_bits(u);
    const std::uint16_t got = kern::float_to_bf16_bits(x), want = reference_bf16(x);
    if (got != want && ++mismatches <= 5)
      ADD_FAILURE() << "0x" << std::hex << u << ": got 0x" << got << ", nearest-even 0x" << want;
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(Bf16Rounding, ArrayFormInPlace) {
  std::vector<float> x = {1.0f / 3.0f, -257.0f, 0.1f, 1e-40f, 3.0e38f};
  std::vector<float> want;
  for (float v : x) want.push_back(kern::bf16_bits_to_float(reference_bf16(v)));
  kern::round_to_bf16(x.data(), x.data(), static_cast<std::int64_t>(x.size()));
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(bits_of(x[i]), bits_of(want[i])) << i;
}

// ---- the setting -----------------------------------------------------------------------------------
TEST(MatmulPrecision, DefaultSetGetScopesAndNames) {
  EXPECT_EQ(kern::matmul_precision(), MatmulPrecision::Float32) << "another test leaked its setting";
  for (MatmulPrecision p : {MatmulPrecision::TF32, MatmulPrecision::BF16, MatmulPrecision::Float32}) {
    kern::set_matmul_precision(p);
    EXPECT_EQ(kern::matmul_precision(), p);
    EXPECT_EQ(kern::parse_matmul_precision(kern::to_string(p)), p);
  }
  EXPECT_EQ(kern::to_string(MatmulPrecision::Float32), "float32");
  EXPECT_EQ(kern::to_string(MatmulPrecision::TF32), "tf32");
  EXPECT_EQ(kern::to_string(MatmulPrecision::BF16), "bf16");
  {
    MatmulPrecisionScope outer(MatmulPrecision::BF16);
    EXPECT_EQ(kern::matmul_precision(), MatmulPrecision::BF16);
    {
      MatmulPrecisionScope inner(MatmulPrecision::TF32);
      EXPECT_EQ(kern::matmul_precision(), MatmulPrecision::TF32);
    }
    EXPECT_EQ(kern::matmul_precision(), MatmulPrecision::BF16);
  }
  EXPECT_EQ(kern::matmul_precision(), MatmulPrecision::Float32);
  try {
    kern::parse_matmul_precision("fp16");
    ADD_FAILURE() << "parse_matmul_precision accepted fp16";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown value 'fp16' (expected float32, tf32 or bf16)"), std::string::npos)
        << e.what();
  }
}

// ---- the GEMM ----------------------------------------------------------------------------------------
struct Case {
  bool ta, tb;
  std::int64_t batch, m, n, k;
  float alpha, beta;
  std::string str() const {
    return std::string(ta ? "T" : "N") + (tb ? "T" : "N") + " batch " + std::to_string(batch) + " m " +
           std::to_string(m) + " n " + std::to_string(n) + " k " + std::to_string(k) + " alpha " +
           std::to_string(alpha) + " beta " + std::to_string(beta);
  }
};

struct Operands {
  std::vector<float> a, b, c0;
};

Operands draw(const Case& c, std::uint64_t seed) {
  auto vec = [](const Tensor& t) { return t.to_vector<float>(); };
  return {vec(random_tensor({c.batch * c.m * c.k}, DType::F32, seed)),
          vec(random_tensor({c.batch * c.k * c.n}, DType::F32, seed + 1)),
          vec(random_tensor({c.batch * c.m * c.n}, DType::F32, seed + 2))};
}

std::vector<float> rounded(std::vector<float> v) {
  kern::round_to_bf16(v.data(), v.data(), static_cast<std::int64_t>(v.size()));
  return v;
}

// cpu::gemm or cpu::gemm_batched (batch > 1) under `precision`.
std::vector<float> run(const Case& c, const std::vector<float>& a, const std::vector<float>& b,
                       const std::vector<float>& c0, MatmulPrecision precision) {
  MatmulPrecisionScope scope(precision);
  std::vector<float> out = c0;
  if (c.batch == 1) cpu::gemm<float>(out.data(), a.data(), b.data(), c.ta, c.tb, c.m, c.n, c.k, c.alpha, c.beta);
  else cpu::gemm_batched<float>(out.data(), a.data(), b.data(), c.ta, c.tb, c.batch, c.m, c.n, c.k, c.alpha, c.beta);
  return out;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (auto [m, n, k] : {std::tuple{1, 1, 1}, std::tuple{7, 5, 33}, std::tuple{33, 17, 64}})
        for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, std::pair{-0.75f, 1.25f}}) {
          out.push_back({ta, tb, 1, m, n, k, alpha, beta});
          out.push_back({ta, tb, 3, m, n, k, alpha, beta});
        }
  return out;
}

::testing::AssertionResult bitwise_equal(const std::vector<float>& got, const std::vector<float>& want) {
  for (std::size_t i = 0; i < got.size(); ++i)
    if (bits_of(got[i]) != bits_of(want[i]))
      return ::testing::AssertionFailure() << "element " << i << ": " << got[i] << " vs " << want[i];
  return ::testing::AssertionSuccess();
}

TEST(GemmBf16, EqualsFloat32GemmOfRoundedOperands) {
  std::uint64_t seed = 1;
  for (const Case& c : cases()) {
    const Operands x = draw(c, seed += 3);
    EXPECT_TRUE(bitwise_equal(run(c, x.a, x.b, x.c0, MatmulPrecision::BF16),
                              run(c, rounded(x.a), rounded(x.b), x.c0, MatmulPrecision::Float32)))
        << c.str();
  }
}

// Long-double reference of alpha op(A) op(B) + beta C0 (original operands) and Σ|α a b|, |β C0|.
struct Reference {
  std::vector<double> value, abs_dot, abs_beta_c0;
};
Reference reference(const Case& c, const Operands& x) {
  Reference r;
  for (std::int64_t p = 0; p < c.batch; ++p)
    for (std::int64_t i = 0; i < c.m; ++i)
      for (std::int64_t j = 0; j < c.n; ++j) {
        long double dot = 0, abs_dot = 0;
        for (std::int64_t l = 0; l < c.k; ++l) {
          const long double av = x.a[p * c.m * c.k + (c.ta ? l * c.m + i : i * c.k + l)];
          const long double bv = x.b[p * c.k * c.n + (c.tb ? j * c.k + l : l * c.n + j)];
          dot += av * bv;
          abs_dot += std::fabs(av * bv);
        }
        const long double bc = c.beta == 0 ? 0.0L : static_cast<long double>(c.beta) * x.c0[(p * c.m + i) * c.n + j];
        r.value.push_back(static_cast<double>(c.alpha * dot + bc));
        r.abs_dot.push_back(static_cast<double>(std::fabs(c.alpha) * abs_dot));
        r.abs_beta_c0.push_back(static_cast<double>(std::fabs(bc)));
      }
  return r;
}

double max_abs_error(const std::vector<float>& got, const std::vector<double>& want) {
  double e = 0;
  for (std::size_t i = 0; i < got.size(); ++i) e = std::max(e, std::fabs(double(got[i]) - want[i]));
  return e;
}

TEST(GemmBf16, WithinBf16BoundOfTheExactProductAndCoarserThanFloat32) {
  std::uint64_t seed = 500;
  for (const Case& c : cases()) {
    const Operands x = draw(c, seed += 3);
    const Reference ref = reference(c, x);
    std::vector<double> bound;
    for (std::size_t i = 0; i < ref.value.size(); ++i)
      bound.push_back(tol::bf16_gemm_bound(c.k, ref.abs_dot[i], ref.abs_beta_c0[i]));
    const auto bf16 = run(c, x.a, x.b, x.c0, MatmulPrecision::BF16);
    std::vector<double> got(bf16.begin(), bf16.end());
    EXPECT_TRUE(values_within(got, ref.value, bound, {c.batch, c.m, c.n})) << c.str();
    // On data that is not already bfloat16 (U(-1, 1) float32: almost surely not) with k >= 33,
    // the operand rounding (relative 2^-9 on average per operand) dwarfs float32's summation
    // error (~ sqrt(k) 2^-24 relative): at least 2^6 times larger. A BF16 setting that the GEMM
    // ignored would fail here.
    if (c.k >= 33) {
      const double e_bf16 = max_abs_error(bf16, ref.value);
      const double e_f32 = max_abs_error(run(c, x.a, x.b, x.c0, MatmulPrecision::Float32), ref.value);
      EXPECT_GT(e_bf16, 64 * e_f32) << c.str() << ": bf16 error " << e_bf16 << ", float32 error " << e_f32;
    }
  }
}

TEST(GemmBf16, KZeroAndEmptyShapesBehaveAsFloat32) {
  MatmulPrecisionScope scope(MatmulPrecision::BF16);
  std::vector<float> c = {1.0f / 3.0f, std::numeric_limits<float>::quiet_NaN()};
  cpu::gemm<float>(c.data(), nullptr, nullptr, false, false, 1, 2, 0, 1.0f, 0.0f);  // C = 0, NaN not read
  EXPECT_EQ(c, (std::vector<float>{0.0f, 0.0f}));
  c = {1.0f / 3.0f, 3.0f};
  cpu::gemm<float>(c.data(), nullptr, nullptr, false, false, 1, 2, 0, 1.0f, 0.5f);  // C = beta C, C not rounded
  EXPECT_EQ(c, (std::vector<float>{0.5f * (1.0f / 3.0f), 1.5f}));
  cpu::gemm_batched<float>(nullptr, nullptr, nullptr, false, false, 0, 3, 3, 3, 1.0f, 0.0f);
}

TEST(GemmBf16, Float64IsNeverAffected) {
  const Case c{false, true, 2, 9, 11, 40, 1.0f, 0.5f};
  auto dvec = [](const Tensor& t) { return t.to_vector<double>(); };
  const auto a = dvec(random_tensor({c.batch * c.m * c.k}, DType::F64, 71));
  const auto b = dvec(random_tensor({c.batch * c.k * c.n}, DType::F64, 72));
  const auto c0 = dvec(random_tensor({c.batch * c.m * c.n}, DType::F64, 73));
  auto run64 = [&](MatmulPrecision p) {
    MatmulPrecisionScope scope(p);
    std::vector<double> out = c0;
    cpu::gemm_batched<double>(out.data(), a.data(), b.data(), c.ta, c.tb, c.batch, c.m, c.n, c.k, c.alpha, c.beta);
    return out;
  };
  const auto f32 = run64(MatmulPrecision::Float32);
  EXPECT_EQ(run64(MatmulPrecision::BF16), f32);
  EXPECT_EQ(run64(MatmulPrecision::TF32), f32);
}

TEST(GemmBf16, Tf32IsFloat32OnTheCpu) {
  const Case c{true, false, 1, 17, 13, 50, 1.0f, 0.0f};
  const Operands x = draw(c, 90);
  EXPECT_TRUE(bitwise_equal(run(c, x.a, x.b, x.c0, MatmulPrecision::TF32),
                            run(c, x.a, x.b, x.c0, MatmulPrecision::Float32)));
}

// The Tensor entry (kern::gemm, what ag::matmul calls) reaches the same arithmetic, 2-D and 3-D.
TEST(GemmBf16, TensorDispatchFollowsTheSetting) {
  for (std::int64_t batch : {0, 4}) {  // 0: a 2-D product
    const Shape sa = batch ? Shape{batch, 6, 35} : Shape{6, 35}, sb = batch ? Shape{batch, 35, 9} : Shape{35, 9};
    const Shape sc = batch ? Shape{batch, 6, 9} : Shape{6, 9};
    const Tensor a = random_tensor(sa, DType::F32, 41), b = random_tensor(sb, DType::F32, 42);
    Tensor want = Tensor::zeros(sc, DType::F32), got = Tensor::zeros(sc, DType::F32);
    Tensor ar = a.clone(), br = b.clone();
    kern::round_to_bf16(ar.data<float>(), ar.data<float>(), ar.numel());
    kern::round_to_bf16(br.data<float>(), br.data<float>(), br.numel());
    kern::gemm(want, ar, br, false, false, 1.0, 0.0);
    {
      MatmulPrecisionScope scope(MatmulPrecision::BF16);
      kern::gemm(got, a, b, false, false, 1.0, 0.0);
    }
    EXPECT_TRUE(bitwise_equal(got.to_vector<float>(), want.to_vector<float>())) << "batch " << batch;
    Tensor plain = Tensor::zeros(sc, DType::F32);
    kern::gemm(plain, a, b, false, false, 1.0, 0.0);
    EXPECT_FALSE(bitwise_equal(plain.to_vector<float>(), got.to_vector<float>()))
        << "BF16 did not change a float32 product of random data";
  }
}

}  // namespace
}  // namespace s2s::test
