// SparseExchange (dist/sparse_exchange.h) under mpirun (1, 2, 3, 4 ranks): the average of
// row-sparse gradients equals the dense reducer's all-reduce of the same gradients written
// densely, bit for bit: for any float64 values at 2 ranks (a two-term sum is order-free), and
// for values whose sums are exact in any order (multiples of 1/8 below 2^20) at every size. The
// union of ids is checked against the ranks' ids regenerated here, the per-tensor dense choice
// against the byte rule, and the bytes sent against the formula of docs/scaling.md.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "s2s/core/philox.h"
#include "s2s/dist/mpi_reducer.h"
#include "s2s/dist/sparse_exchange.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

constexpr std::int64_t kVocab = 41, kWidth = 3;

// Rank r's touched rows: an overlapping, rank-dependent subset of [0, kVocab).
std::vector<std::int32_t> ids_of_rank(int r, int stride) {
  std::vector<std::int32_t> ids;
  for (std::int32_t i = r % 3; i < kVocab; i += stride + r) ids.push_back(i);
  ids.push_back(static_cast<std::int32_t>(kVocab - 1 - r));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

template <class T>
RowSparse gradient_of_rank(int r, int stride, bool exact, DType dt) {
  const auto ids = ids_of_rank(r, stride);
  const std::int64_t k = static_cast<std::int64_t>(ids.size());
  PhiloxStream rng(1234 + r, 9);
  std::vector<T> rows(static_cast<std::size_t>(k * kWidth));
  for (auto& v : rows) {
    const double u = rng.uniform(-1.0, 1.0);
    v = static_cast<T>(exact ? std::round(u * 800) / 8 : u);
  }
  (void)dt;
  return {Tensor::from_vector({k}, ids), Tensor::from_vector({k, kWidth}, rows), kVocab, true};
}

Tensor densify(const RowSparse& g) {
  Tensor d = Tensor::zeros({g.vocab, g.width()}, g.rows.dtype());
  const std::size_t rb = static_cast<std::size_t>(g.width()) * dtype_size(d.dtype());
  for (std::int64_t j = 0; j < g.count(); ++j)
    std::memcpy(static_cast<std::byte*>(d.raw()) + g.ids.data<std::int32_t>()[j] * rb,
                static_cast<const std::byte*>(g.rows.raw()) + j * rb, rb);
  return d;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

template <class T>
void check_against_dense_reducer(DType dt, bool exact, int stride, SparseMode mode) {
  World world;
  const int n = world.size(), r = world.rank();
  const RowSparse g = gradient_of_rank<T>(r, stride, exact, dt);
  // The dense reducer's result on the same gradient written densely.
  Tensor dense_ref = densify(g);
  MpiReducer reducer(world, {});
  reducer.prepare({dense_ref});
  reducer.ready(std::size_t{0});
  reducer.finish();

  SparseExchange exchange(world, mode);
  Tensor buffer = Tensor::full({kVocab, kWidth}, dt, 7.0);  // garbage: the exchange must not read it
  const RowSparse avg = exchange.average(g, buffer, "emb");
  const SparseExchangeStats s = exchange.take_step();

  std::set<std::int32_t> uni;
  std::size_t total = 0;
  for (int q = 0; q < n; ++q) {
    const auto ids = ids_of_rank(q, stride);
    uni.insert(ids.begin(), ids.end());
    total += ids.size();
  }
  const std::size_t row_bytes = kWidth * dtype_size(dt), dense_bytes = kVocab * row_bytes;
  const bool expect_dense = mode == SparseMode::Dense ||
                            (mode == SparseMode::Auto && 4 * total + uni.size() * row_bytes >= dense_bytes);
  EXPECT_EQ(s.dense_fallbacks, expect_dense ? 1u : 0u);
  EXPECT_EQ(s.dense_bytes, dense_bytes);
  EXPECT_EQ(s.count_bytes, 8u);
  EXPECT_EQ(s.id_bytes, 4 * static_cast<std::size_t>(g.count()));
  EXPECT_EQ(s.reduce_bytes, expect_dense ? dense_bytes : uni.size() * row_bytes);
  EXPECT_EQ(s.union_rows, uni.size());
  // Always the union's rows, whichever payload carried them.
  ASSERT_TRUE(avg.defined());
  EXPECT_EQ(avg.ids.to_vector<std::int32_t>(), std::vector<std::int32_t>(uni.begin(), uni.end()));
  const Tensor got = densify(avg);
  if (expect_dense) {
    EXPECT_TRUE(same_bits(buffer, got)) << "the dense buffer holds the average";
  }
  const bool bitwise = exact || n <= 2;
  if (bitwise) {
    EXPECT_TRUE(same_bits(got, dense_ref)) << "rank " << r << " of " << n;
  } else {
    const auto a = got.to_vector<double>(), b = dense_ref.to_vector<double>();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
  }
}

TEST(SparseExchangeMpi, SparseEqualsDenseReducerExactSumsF64) {
  for (SparseMode mode : {SparseMode::Sparse, SparseMode::Auto, SparseMode::Dense})
    check_against_dense_reducer<double>(DType::F64, true, 5, mode);
}

TEST(SparseExchangeMpi, SparseEqualsDenseReducerExactSumsF32) {
  check_against_dense_reducer<float>(DType::F32, true, 5, SparseMode::Sparse);
}

TEST(SparseExchangeMpi, SparseEqualsDenseReducerRandomF64) {
  // Bitwise at 1 and 2 ranks, within rounding above (MPI's cross-rank summation order is free).
  check_against_dense_reducer<double>(DType::F64, false, 5, SparseMode::Sparse);
  check_against_dense_reducer<double>(DType::F64, false, 5, SparseMode::Auto);
}

TEST(SparseExchangeMpi, AutoFallsBackToDenseWhenTheUnionIsLarge) {
  // stride 1: nearly every row touched on every rank, so the ids plus the union's rows cost more.
  check_against_dense_reducer<double>(DType::F64, true, 1, SparseMode::Auto);
}

TEST(SparseExchangeMpi, EmptyGradientOnSomeRanks) {
  World world;
  SparseExchange exchange(world, SparseMode::Sparse);
  const bool empty = world.rank() % 2 == 1;
  RowSparse g{Tensor::from_vector<std::int32_t>({empty ? 0 : 1}, empty ? std::vector<std::int32_t>{}
                                                                        : std::vector<std::int32_t>{4}),
              Tensor::full({empty ? 0 : 1, 2}, DType::F64, 2.0), 6, true};
  Tensor buffer = Tensor::zeros({6, 2}, DType::F64);
  const RowSparse avg = exchange.average(g, buffer, "proj_w");
  ASSERT_TRUE(avg.defined());
  EXPECT_EQ(avg.ids.to_vector<std::int32_t>(), std::vector<std::int32_t>{4});
  const double want = 2.0 * ((world.size() + 1) / 2) / world.size();
  EXPECT_EQ(avg.rows.to_vector<double>(), (std::vector<double>{want, want}));
}

}  // namespace
}  // namespace s2s::dist
