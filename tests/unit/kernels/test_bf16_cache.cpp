// Tests: Bf16OperandCache (kernels/bf16_cache.h) and its use by the CPU bf16 GEMM.
//   * the cache: only registered arrays, matched exactly (pointer and size), get a copy; it is
//     made once and then reused; copies are released when the cache closes, newest first; scopes
//     nest and restore the enclosing cache; no cache is open outside a scope;
//   * the CPU GEMM under BF16: with the cache open the products are bit for bit those of the
//     uncached GEMM (the same rounding of the same values), a weight read by several GEMMs is
//     rounded once, and a non-registered operand is never cached; after the cache closes and the
//     weight changes, a new cache sees the new values (nothing outlives a step).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "s2s/core/philox.h"
#include "s2s/kernels/bf16.h"
#include "s2s/kernels/bf16_cache.h"
#include "s2s/kernels/gemm.h"

namespace s2s::test {
namespace {

using kern::Bf16OperandCache;

Bf16OperandCache::Copy tagged_copy(std::vector<std::string>& log, const std::string& tag) {
  log.push_back("make " + tag);
  return {new int(1), [&log, tag](const void* p) {
            log.push_back("release " + tag);
            delete static_cast<const int*>(p);
          }};
}

TEST(Bf16OperandCache, OnlyRegisteredArraysMatchedExactlyAreCopiedOnce) {
  std::vector<float> w(12), v(5), other(12);
  std::vector<std::string> log;
  EXPECT_EQ(Bf16OperandCache::active(), nullptr);
  {
    Bf16OperandCache cache({{w.data(), 12}, {v.data(), 5}});
    EXPECT_EQ(Bf16OperandCache::active(), &cache);
    const void* first = cache.find_or_make(w.data(), 12, [&] { return tagged_copy(log, "w"); });
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(cache.find_or_make(w.data(), 12, [&] { return tagged_copy(log, "w again"); }), first);
    EXPECT_EQ(cache.find_or_make(w.data(), 6, [&] { return tagged_copy(log, "half of w"); }), nullptr)
        << "a view of a registered array is not the array";
    EXPECT_EQ(cache.find_or_make(w.data() + 1, 11, [&] { return tagged_copy(log, "w+1"); }), nullptr);
    EXPECT_EQ(cache.find_or_make(other.data(), 12, [&] { return tagged_copy(log, "other"); }), nullptr);
    EXPECT_NE(cache.find_or_make(v.data(), 5, [&] { return tagged_copy(log, "v"); }), nullptr);
    EXPECT_EQ(cache.stats().conversions, 2u);
    EXPECT_EQ(cache.stats().reuses, 1u);
    EXPECT_EQ(log, (std::vector<std::string>{"make w", "make v"}));
  }
  EXPECT_EQ(log, (std::vector<std::string>{"make w", "make v", "release v", "release w"}));
  EXPECT_EQ(Bf16OperandCache::active(), nullptr);
}

TEST(Bf16OperandCache, ScopesNestAndRestoreTheEnclosingCache) {
  std::vector<float> w(4);
  Bf16OperandCache outer({{w.data(), 4}});
  {
    Bf16OperandCache inner({});
    EXPECT_EQ(Bf16OperandCache::active(), &inner);
    std::vector<std::string> log;
    EXPECT_EQ(inner.find_or_make(w.data(), 4, [&] { return tagged_copy(log, "w"); }), nullptr)
        << "only the innermost cache's arrays count";
  }
  EXPECT_EQ(Bf16OperandCache::active(), &outer);
}

std::vector<float> random_values(std::int64_t n, std::uint64_t seed) {
  PhiloxStream rng(seed, 0);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) x = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  return v;
}

// C = op(A) @ op(B) for the step-like sequence of products that read the weight W [k, n]:
// x1 W, x2 W, dY Wᵀ (as backward does).
std::vector<float> products(const std::vector<float>& w, std::int64_t k, std::int64_t n) {
  const std::int64_t m = 3;
  const auto x1 = random_values(m * k, 1), x2 = random_values(m * k, 2), dy = random_values(m * n, 3);
  std::vector<float> out, c(static_cast<std::size_t>(m * n)), dx(static_cast<std::size_t>(m * k));
  for (const auto* x : {&x1, &x2}) {
    cpu::gemm<float>(c.data(), x->data(), w.data(), false, false, m, n, k, 1.0f, 0.0f);
    out.insert(out.end(), c.begin(), c.end());
  }
  cpu::gemm<float>(dx.data(), dy.data(), w.data(), false, true, m, k, n, 1.0f, 0.0f);
  out.insert(out.end(), dx.begin(), dx.end());
  return out;
}

TEST(Bf16OperandCache, CpuGemmGivesTheUncachedProductsAndRoundsTheWeightOnce) {
  const std::int64_t k = 37, n = 19;
  std::vector<float> w = random_values(k * n, 9);
  kern::MatmulPrecisionScope bf16(kern::MatmulPrecision::BF16);
  const std::vector<float> uncached = products(w, k, n);
  {
    Bf16OperandCache cache({{w.data(), k * n}});
    EXPECT_EQ(products(w, k, n), uncached) << "bit for bit the uncached products";
    EXPECT_EQ(cache.stats().conversions, 1u) << "W rounded once, the activations never cached";
    EXPECT_EQ(cache.stats().reuses, 2u);
  }
  {
    kern::MatmulPrecisionScope f32(kern::MatmulPrecision::Float32);
    EXPECT_NE(products(w, k, n), uncached) << "the bf16 rounding is visible (so the comparison above means something)";
  }
  for (float& x : w) x *= 0.5f;  // the update after a step
  Bf16OperandCache next({{w.data(), k * n}});
  EXPECT_EQ(products(w, k, n), [&] {
    Bf16OperandCache none({});
    return products(w, k, n);
  }()) << "a new step's cache rounds the updated weight";
}

}  // namespace
}  // namespace s2s::test
