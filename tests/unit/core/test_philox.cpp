// Owns: tests of the Philox4x32-10 RNG (core/philox.h): the block function against the published
// Random123 known-answer vectors, the (seed, stream, position) -> value mapping, PhiloxStream
// determinism and state round trip, and the distributions of below(n), uniform() and normal().
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "s2s/core/philox.h"
#include "support/tolerances.h"

namespace s2s {
namespace {

// Known-answer vectors: the three "philox4x32 10" rows of tests/kat_vectors in D. E. Shaw
// Research's Random123 distribution (github.com/DEShawResearch/random123, Random123 1.14.0),
// format "philox4x32 10 <ctr0..3> <key0..1>  <out0..3>":
//   philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
//   philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
//   philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1
// (the third row's inputs are the hexadecimal digits of pi).
struct Kat {
  const char* name;
  PhiloxCounter ctr;
  PhiloxKey key;
  PhiloxCounter expected;
};
const Kat kKats[] = {
    {"zeros", {0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
    {"all_ones",
     {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
     {0xffffffffu, 0xffffffffu},
     {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
    {"pi_digits",
     {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
     {0xa4093822u, 0x299f31d0u},
     {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
};

TEST(Philox, MatchesRandom123KnownAnswerVectors) {
  for (const Kat& k : kKats) {
    EXPECT_EQ(philox4x32_10(k.ctr, k.key), k.expected) << k.name;
    std::uint32_t out[4];
    philox4x32_10(k.ctr.data(), k.key.data(), out);  // the raw (device-shared) entry point
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], k.expected[i]) << k.name << " word " << i;
  }
}

TEST(Philox, ElementIMapsToBlockIOver4OfCounterBlockStream) {
  const std::uint64_t seed = 0x0123456789abcdefull, stream = 0xfedcba9876543210ull;
  const PhiloxKey key = {0x89abcdefu, 0x01234567u};
  for (std::uint64_t i : {0ull, 1ull, 3ull, 4ull, 7ull, 1001ull, (1ull << 34) + 2}) {
    const std::uint64_t block = i / 4;
    const PhiloxCounter ctr = {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                               0x76543210u, 0xfedcba98u};
    EXPECT_EQ(philox_u32_at(seed, stream, i), philox4x32_10(ctr, key)[i % 4]) << "i = " << i;
  }
  // Seed 0, stream 0, element 0..3 is the first known-answer vector.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(philox_u32_at(0, 0, i), kKats[0].expected[i]);
}

TEST(PhiloxStream, SequentialDrawsFollowTheStreamMapping) {
  PhiloxStream s(42, 7);
  for (std::uint64_t i = 0; i < 37; ++i) EXPECT_EQ(s.next_u32(), philox_u32_at(42, 7, i)) << i;
  EXPECT_EQ(s.state().position, 37u);
  // next_u64 = (first word << 32) | second word; uniform() uses the same two words.
  const std::uint64_t hi = philox_u32_at(42, 7, 37), lo = philox_u32_at(42, 7, 38);
  EXPECT_EQ(s.next_u64(), hi << 32 | lo);
  PhiloxStream t(42, 7);
  t.set_state({42, 7, 37});
  EXPECT_EQ(t.uniform(), static_cast<double>((hi << 32 | lo) >> 11) / 9007199254740992.0);
}

TEST(PhiloxStream, DeterministicAndStreamsDiffer) {
  PhiloxStream a(1, 0), b(1, 0), c(1, 1), d(2, 0);
  int same_c = 0, same_d = 0;
  for (int i = 0; i < 100; ++i) {
    const auto va = a.next_u32();
    EXPECT_EQ(va, b.next_u32());
    same_c += va == c.next_u32();
    same_d += va == d.next_u32();
  }
  EXPECT_LE(same_c, 1);
  EXPECT_LE(same_d, 1);
}

TEST(PhiloxStream, StateRoundTripResumesExactly) {
  PhiloxStream s(99, 3);
  for (int i = 0; i < 5; ++i) s.next_u32();  // mid-block
  const PhiloxStream::State saved = s.state();
  std::vector<std::uint32_t> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(s.next_u32());

  PhiloxStream resumed(saved);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(resumed.next_u32(), expected[i]) << i;

  // set_state on a stream that has cached the same block index of another key must not reuse it.
  PhiloxStream other(100, 3);
  for (int i = 0; i < 5; ++i) other.next_u32();
  other.set_state(saved);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(other.next_u32(), expected[i]) << i;
}

TEST(PhiloxStream, UniformFromBitsIsInHalfOpenUnitInterval) {
  EXPECT_EQ(philox_uniform_float(0u), 0.0f);
  EXPECT_EQ(philox_uniform_float(0xffffffffu), 1.0f - 1.0f / 16777216.0f);
  EXPECT_LT(philox_uniform_float(0xffffffffu), 1.0f);
  EXPECT_EQ(philox_uniform_double(0u, 0u), 0.0);
  EXPECT_EQ(philox_uniform_double(0xffffffffu, 0xffffffffu), 1.0 - 1.0 / 9007199254740992.0);
}

TEST(PhiloxStream, UniformRangeAndMean) {
  PhiloxStream s(5, 0);
  const int n = 100000;
  double sum = 0, lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
  }
  // U(0, 1) is U(-L, L) with L = 1/2, shifted by 1/2.
  EXPECT_NEAR(sum / n, 0.5, test::tol::uniform_mean_bound(0.5, n));
  EXPECT_LT(lo, 1e-3);
  EXPECT_GT(hi, 1 - 1e-3);
  for (int i = 0; i < 1000; ++i) {
    const double v = s.uniform(-3.0, 2.0);
    ASSERT_GE(v, -3.0);
    ASSERT_LT(v, 2.0);
    const float f = s.uniform_float();
    ASSERT_GE(f, 0.0f);
    ASSERT_LT(f, 1.0f);
  }
}

// Pearson's chi-square statistic of below(n) draws binned by bin_of(value) into `bins` bins that
// are equally likely under the uniform distribution.
template <class BinOf>
double below_chi_square(std::uint64_t n, int bins, int draws, std::uint64_t seed, BinOf bin_of) {
  PhiloxStream s(seed, 0);
  std::vector<double> count(bins, 0.0);
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t v = s.below(n);
    EXPECT_LT(v, n);
    count[bin_of(v)] += 1;
  }
  const double expected = static_cast<double>(draws) / bins;
  double chi2 = 0;
  for (double c : count) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

TEST(PhiloxStream, BelowIsUniformBySmallN) {
  for (std::uint64_t n : {7ull, 10ull, 33ull}) {
    const double chi2 = below_chi_square(n, static_cast<int>(n), 50000, n, [](std::uint64_t v) { return v; });
    EXPECT_LT(chi2, test::tol::chi_square_critical_1e6(static_cast<int>(n) - 1)) << "n = " << n;
  }
}

TEST(PhiloxStream, BelowRejectsThePartialTopRangeForHugeN) {
  // n = 12 * 2^60 > 2^63: without rejection, v mod n folds [n, 2^64) onto the first quarter of
  // [0, n) and bins 0..3 (of width 2^60) would get twice the mass of the others.
  const std::uint64_t n = 12ull << 60;
  const double chi2 = below_chi_square(n, 12, 24000, 77, [](std::uint64_t v) { return v >> 60; });
  EXPECT_LT(chi2, test::tol::chi_square_critical_1e6(11));
}

TEST(PhiloxStream, BelowDegenerateRanges) {
  PhiloxStream s(1, 1);
  EXPECT_EQ(s.below(0), 0u);
  EXPECT_EQ(s.below(1), 0u);
  EXPECT_EQ(s.state().position, 0u);  // consumes nothing
}

TEST(PhiloxStream, NormalHasZeroMeanUnitVariance) {
  PhiloxStream s(8, 2);
  const int n = 100000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = s.normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum2 += z * z;
  }
  // sd of the mean is 1/sqrt(n); of the mean of z^2 (variance 2) sqrt(2/n).
  EXPECT_NEAR(sum / n, 0.0, test::tol::kSigmas / std::sqrt(n));
  EXPECT_NEAR(sum2 / n, 1.0, test::tol::kSigmas * std::sqrt(2.0 / n));
}

TEST(StableHash, IsFnv1a64) {
  // Published FNV-1a 64-bit test vectors (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
  auto h = [](const std::string& s) { return stable_hash(s.data(), s.size()); };
  EXPECT_EQ(h(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(h("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(h("foobar"), 0x85944171f73967e8ull);
  EXPECT_NE(h("rnn/gru_cell/gates/kernel"), h("rnn/gru_cell/gates/bias"));
}

}  // namespace
}  // namespace s2s
