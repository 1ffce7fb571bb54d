// Tests MpiReducer across ranks with inputs crafted so that every sum is exact in any order:
// rank r holds (r + 1) * c for small integers c, so the average is c * (n + 1) / 2, which is exact
// in float and double for n = 1, 2, 4 (and computed here independently, without MPI).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "s2s/core/error.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/mpi_reducer.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

// The base pattern c of element k of tensor t: a small integer, different per tensor.
double base_value(std::size_t t, std::int64_t k) { return static_cast<double>((k * 7 + t * 3) % 11) - 5; }

std::vector<Tensor> make_grads(const std::vector<std::pair<Shape, DType>>& layout, int rank) {
  std::vector<Tensor> grads;
  for (std::size_t t = 0; t < layout.size(); ++t) {
    Tensor g = Tensor::empty(layout[t].first, layout[t].second);
    dispatch_floating(g.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* p = g.data<T>();
      for (std::int64_t k = 0; k < g.numel(); ++k) p[k] = static_cast<T>((rank + 1) * base_value(t, k));
    });
    grads.push_back(g);
  }
  return grads;
}

// Compares against c * (n + 1) / 2 exactly; returns the number of mismatches (prints the first).
int count_mismatches(const std::vector<Tensor>& grads, int n) {
  int bad = 0;
  for (std::size_t t = 0; t < grads.size(); ++t) {
    dispatch_floating(grads[t].dtype(), [&](auto zero) {
      using T = decltype(zero);
      const T* p = grads[t].data<T>();
      for (std::int64_t k = 0; k < grads[t].numel(); ++k) {
        const T want = static_cast<T>(base_value(t, k) * (n + 1) / 2.0);
        if (p[k] != want && bad++ == 0)
          ADD_FAILURE() << "tensor " << t << " element " << k << ": got " << p[k] << ", want " << want;
      }
    });
  }
  return bad;
}

const std::vector<std::pair<Shape, DType>> kMixedLayout = {
    {{3, 5}, DType::F32}, {{7}, DType::F64},  {{64, 3}, DType::F32}, {{1}, DType::F32},
    {{0}, DType::F32},    {{9, 4}, DType::F64}, {{100}, DType::F32}, {{2, 2, 2}, DType::F64}};

class ReducerBuckets : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ReducerBuckets, AverageIsExactForAnyBucketSize) {
  World world;
  ReducerOptions options;
  options.bucket_bytes = GetParam();
  auto reducer = make_reducer("mpi", world, options);
  EXPECT_EQ(reducer->name(), "mpi");
  std::vector<Tensor> grads = make_grads(kMixedLayout, world.rank());
  reducer->prepare(grads);

  // A backward-like order (same on all ranks), not the prepare order; tensor 3 never becomes ready
  // (an unused parameter): finish() must still reduce it.
  const std::vector<std::size_t> order = {7, 6, 5, 0, 4, 2, 1};
  for (std::size_t i : order) reducer->ready(grads[i]);
  ReduceStats s = reducer->finish();
  EXPECT_EQ(count_mismatches(grads, world.size()), 0) << "bucket_bytes " << GetParam();

  std::size_t f32 = 0, f64 = 0;
  for (const Tensor& g : grads) (g.dtype() == DType::F64 ? f64 : f32) += g.nbytes();
  const std::size_t cap = std::max<std::size_t>(8, GetParam() / 8 * 8);
  EXPECT_EQ(s.bytes, f32 + f64);
  EXPECT_EQ(s.buckets, (f32 + cap - 1) / cap + (f64 + cap - 1) / cap);
  EXPECT_LE(s.bucket_bytes_max, cap);
  EXPECT_GT(s.bucket_bytes_min, 0u);
  EXPECT_EQ(s.steps, 1u);
  EXPECT_GE(s.comm_s, 0.0);
  EXPECT_GE(s.hidden_fraction(), 0.0);
  EXPECT_LE(s.hidden_fraction(), 1.0);
  // Buckets that filled up before finish() were launched during "backward".
  const std::size_t full_f32 = f32 / cap, full_f64 = f64 / cap;
  EXPECT_GE(s.buckets_during_backward + 2, full_f32 + full_f64);
}

// 8 B: smaller than every tensor but one; 20 B: rounds down to 16; 40 and 600 B: in between;
// 1 MiB: larger than all gradients together (one bucket per dtype, launched by finish()).
INSTANTIATE_TEST_SUITE_P(Sizes, ReducerBuckets,
                         ::testing::Values(std::size_t{8}, std::size_t{20}, std::size_t{40},
                                           std::size_t{600}, std::size_t{1} << 20));

TEST(MpiReducer, RepeatedStepsReuseBuffersAndAccumulateTotals) {
  World world;
  auto reducer = make_reducer("mpi", world, {.bucket_bytes = 256});
  std::vector<Tensor> grads = make_grads(kMixedLayout, world.rank());
  reducer->prepare(grads);
  std::mt19937 rng(1234);  // same seed on every rank: same order everywhere
  for (int step = 0; step < 4; ++step) {
    std::vector<Tensor> fresh = make_grads(kMixedLayout, world.rank());
    for (std::size_t t = 0; t < grads.size(); ++t) grads[t].copy_from(fresh[t]);
    std::vector<std::size_t> order(grads.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i : order) reducer->ready(i);
    reducer->finish();
    ASSERT_EQ(count_mismatches(grads, world.size()), 0) << "step " << step;
  }
  EXPECT_EQ(reducer->totals().steps, 4u);
  EXPECT_EQ(reducer->totals().bytes % 4, 0u);
}

TEST(MpiReducer, FinishWithoutReadyReducesEverything) {
  World world;
  auto reducer = make_reducer("mpi", world, {.bucket_bytes = 64});
  std::vector<Tensor> grads = make_grads({{{33}, DType::F64}, {{17}, DType::F32}}, world.rank());
  reducer->prepare(grads);
  ReduceStats s = reducer->finish();
  EXPECT_EQ(s.buckets_during_backward, 0u);
  EXPECT_EQ(count_mismatches(grads, world.size()), 0);
}

TEST(MpiReducer, MisuseIsReported) {
  World world;
  auto reducer = make_reducer("mpi", world, {.bucket_bytes = 64});
  std::vector<Tensor> grads = make_grads({{{4}, DType::F32}}, world.rank());
  reducer->prepare(grads);
  Tensor stranger = Tensor::zeros({4}, DType::F32);
  EXPECT_THROW(reducer->ready(stranger), Error);
  EXPECT_THROW(reducer->ready(std::size_t{9}), Error);
  reducer->ready(std::size_t{0});
  EXPECT_THROW(reducer->ready(std::size_t{0}), Error);
  reducer->finish();
  EXPECT_THROW(make_reducer("gloo", world), Error);
  if (world.size() > 1) EXPECT_THROW(make_reducer("none", world), Error) << "the identity needs one rank";
  EXPECT_THROW(make_reducer("mpi", world, {.bucket_bytes = 4}), Error);
  std::vector<Tensor> ints = {Tensor::zeros({3}, DType::I32)};
  EXPECT_THROW(reducer->prepare(ints), Error);
}

TEST(MpiReducer, DifferentLayoutsAcrossRanksFailOnEveryRank) {
  World world;
  if (world.size() == 1) GTEST_SKIP() << "needs 2 ranks";
  auto reducer = make_reducer("mpi", world, {.bucket_bytes = 64});
  const Shape shape = world.rank() == 1 ? Shape{5} : Shape{4};
  std::vector<Tensor> grads = {Tensor::zeros(shape, DType::F32)};
  try {
    reducer->prepare(grads);
    FAIL() << "a layout mismatch was not detected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different gradient lists"), std::string::npos) << e.what();
  }
}

TEST(MpiReducer, DifferentReadyOrdersFailOnEveryRank) {
  World world;
  if (world.size() == 1) GTEST_SKIP() << "needs 2 ranks";
  auto reducer = make_reducer("mpi", world, {.bucket_bytes = 1 << 20});
  std::vector<Tensor> grads = make_grads({{{4}, DType::F32}, {{4}, DType::F32}}, world.rank());
  reducer->prepare(grads);
  reducer->ready(std::size_t(world.rank() == 0 ? 0 : 1));
  reducer->ready(std::size_t(world.rank() == 0 ? 1 : 0));
  try {
    reducer->finish();
    FAIL() << "a ready-order mismatch was not detected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different order"), std::string::npos) << e.what();
  }
  // The reducer is usable again afterwards.
  reducer->ready(std::size_t{0});
  reducer->ready(std::size_t{1});
  reducer->finish();
  EXPECT_EQ(count_mismatches(grads, world.size()), 0);
}

}  // namespace
}  // namespace s2s::dist
