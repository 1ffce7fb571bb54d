// Tests of the optimizers' sparse (RowSparse) rules, TF 1.x semantics (optimizer.h, docs/nn.md):
// hand-worked updates, duplicate ids summed before the rule, and equality with the dense rule
// where TF's sparse rule equals it (SGD, Adam: bitwise; Momentum: on touched rows when every row
// is touched). The dense gradients are built here by a plain loop, independently of the kernels.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "s2s/core/error.h"
#include "s2s/train/optimizer.h"
#include "support/random.h"

using namespace s2s;
using namespace s2s::train;
using ::testing::HasSubstr;

namespace {

template <class T>
RowSparse sparse(std::vector<std::int32_t> ids, std::vector<T> rows, std::int64_t vocab) {
  const std::int64_t k = static_cast<std::int64_t>(ids.size());
  return {Tensor::from_vector({k}, ids), Tensor::from_vector({k, static_cast<std::int64_t>(rows.size()) / k}, rows),
          vocab, false};
}

// The dense [V, D] gradient of g: rows added in position order into zeros.
Tensor dense_of(const RowSparse& g, DType dtype) {
  const std::int64_t k = g.count(), d = g.width();
  Tensor out = Tensor::zeros({g.vocab, d}, DType::F64);
  const auto ids = g.ids.to_vector<std::int32_t>();
  const Tensor rows = g.rows.to_dtype(DType::F64);
  if (dtype == DType::F32) {
    Tensor o = Tensor::zeros({g.vocab, d}, DType::F32);
    const auto r = g.rows.to_vector<float>();
    for (std::int64_t j = 0; j < k; ++j)
      for (std::int64_t c = 0; c < d; ++c) o.data<float>()[ids[j] * d + c] += r[j * d + c];
    return o;
  }
  for (std::int64_t j = 0; j < k; ++j)
    for (std::int64_t c = 0; c < d; ++c) out.data<double>()[ids[j] * d + c] += rows.data<double>()[j * d + c];
  return out;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// A random sparse gradient over `vocab` rows with repeats (ids drawn from a small range).
RowSparse random_sparse(std::int64_t n, std::int64_t vocab, std::int64_t d, DType dtype, std::uint64_t seed) {
  PhiloxStream rng(seed, 3);
  std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
  for (auto& id : ids) id = static_cast<std::int32_t>(rng.uniform(0.0, double(vocab) / 2)) * 2 % std::int32_t(vocab);
  return {Tensor::from_vector({n}, ids), test::random_tensor({n, d}, dtype, seed + 1), vocab, false};
}

}  // namespace

TEST(SparseOptimizer, SgdHandWorkedSumsDuplicatesAndLeavesOtherRows) {
  ParamRef p{"emb", Tensor::from_vector<double>({4, 2}, {1, 1, 2, 2, 3, 3, 4, 4}), Tensor(),
             sparse<double>({2, 0, 2}, {1, 2, 3, 4, 5, 6}, 4)};
  SgdOptimizer opt;
  std::vector<ParamRef> ps{p};
  opt.step(ps, 0.5);  // row 0 -= 0.5 [3, 4]; row 2 -= 0.5 [1+5, 2+6]
  EXPECT_EQ(values(p.value), (std::vector<double>{-0.5, -1, 2, 2, 0, -1, 4, 4}));
}

TEST(SparseOptimizer, MomentumTouchesOnlyGivenRows) {
  ParamRef p{"emb", Tensor::from_vector<double>({3, 1}, {1, 2, 3}), Tensor(), sparse<double>({0}, {1}, 3)};
  MomentumOptimizer opt(0.5);
  std::vector<ParamRef> ps{p};
  opt.step(ps, 0.25);  // accum0 = 1; var0 = 1 - 0.25
  ps[0].sparse = sparse<double>({2}, {2}, 3);
  opt.step(ps, 0.25);  // accum2 = 2; var2 = 3 - 0.5; row 0 keeps var 0.75 and accum 1 (dense: 0.5, 0.625)
  EXPECT_EQ(values(p.value), (std::vector<double>{0.75, 2, 2.5}));
  EXPECT_EQ(values(opt.state().at("emb/Momentum")), (std::vector<double>{1, 0, 2}));
}

TEST(SparseOptimizer, MomentumSumsDuplicateIdsBeforeTheRule) {
  // Applying the two slices one after the other would decay the first by the momentum:
  // accum = 1 * 0.5 + 3 = 3.5. TF sums first: accum = 4.
  ParamRef p{"emb", Tensor::from_vector<double>({2, 1}, {0, 0}), Tensor(), sparse<double>({1, 1}, {1, 3}, 2)};
  MomentumOptimizer opt(0.5);
  std::vector<ParamRef> ps{p};
  opt.step(ps, 1.0);
  EXPECT_EQ(values(opt.state().at("emb/Momentum")), (std::vector<double>{0, 4}));
  EXPECT_EQ(values(p.value), (std::vector<double>{0, -4}));
}

template <class Opt>
void expect_sparse_equals_dense(Opt sparse_opt, Opt dense_opt, DType dtype, bool touch_all) {
  const std::int64_t vocab = 16, d = 5;
  Tensor init = test::random_tensor({vocab, d}, dtype, 7);
  ParamRef s{"emb", init.clone(), Tensor(), {}};
  ParamRef dn{"emb", init.clone(), Tensor::zeros({vocab, d}, dtype), {}};
  for (int step = 0; step < 4; ++step) {
    RowSparse g = random_sparse(24, vocab, d, dtype, 100 + step);
    if (touch_all) {  // every row at least once: the sparse and dense momentum rules coincide
      std::vector<std::int32_t> ids = g.ids.to_vector<std::int32_t>();
      for (std::int64_t i = 0; i < vocab; ++i) ids[i] = std::int32_t(i);
      g.ids = Tensor::from_vector({24}, ids);
    }
    s.sparse = g;
    dn.grad.copy_from(dense_of(g, dtype));
    std::vector<ParamRef> a{s}, b{dn};
    sparse_opt.step(a, 0.1);
    dense_opt.step(b, 0.1);
    ASSERT_TRUE(bitwise_equal(s.value, dn.value)) << "step " << step;
  }
  for (const auto& [name, t] : dense_opt.state())
    EXPECT_TRUE(bitwise_equal(t, sparse_opt.state().at(name))) << name;
}

TEST(SparseOptimizer, SgdEqualsDenseBitwise) {
  expect_sparse_equals_dense(SgdOptimizer(), SgdOptimizer(), DType::F32, false);
  expect_sparse_equals_dense(SgdOptimizer(), SgdOptimizer(), DType::F64, false);
}

TEST(SparseOptimizer, AdamEqualsDenseBitwise) {
  // TF 1.x Adam's _apply_sparse decays every row's moments: the dense rule, untouched rows included.
  expect_sparse_equals_dense(AdamOptimizer(0.9, 0.999, 1e-8), AdamOptimizer(0.9, 0.999, 1e-8), DType::F32, false);
  expect_sparse_equals_dense(AdamOptimizer(0.9, 0.999, 1e-8), AdamOptimizer(0.9, 0.999, 1e-8), DType::F64, false);
}

TEST(SparseOptimizer, MomentumEqualsDenseWhenEveryRowIsTouched) {
  expect_sparse_equals_dense(MomentumOptimizer(0.9), MomentumOptimizer(0.9), DType::F32, true);
  expect_sparse_equals_dense(MomentumOptimizer(0.9), MomentumOptimizer(0.9), DType::F64, true);
}

TEST(SparseOptimizer, MomentumDiffersFromDenseOnUntouchedRows) {
  MomentumOptimizer s(0.9), d(0.9);
  ParamRef ps{"w", Tensor::from_vector<double>({2, 1}, {1, 1}), Tensor(), sparse<double>({0, 1}, {1, 1}, 2)};
  ParamRef pd{"w", Tensor::from_vector<double>({2, 1}, {1, 1}), Tensor::from_vector<double>({2, 1}, {1, 1}), {}};
  std::vector<ParamRef> a{ps}, b{pd};
  s.step(a, 0.1);
  d.step(b, 0.1);
  a[0].sparse = sparse<double>({0}, {1}, 2);
  b[0].grad.copy_from(Tensor::from_vector<double>({2, 1}, {1, 0}));
  s.step(a, 0.1);
  d.step(b, 0.1);
  // Row 1: sparse keeps accum 1 and var 0.9; dense decays accum to 0.9 and moves var to 0.81.
  EXPECT_DOUBLE_EQ(values(ps.value)[1], 0.9);
  EXPECT_DOUBLE_EQ(values(pd.value)[1], 0.9 - 0.09);
  EXPECT_DOUBLE_EQ(values(ps.value)[0], values(pd.value)[0]);
}

TEST(SparseOptimizer, RejectsOutOfRangeIdsAndMismatchedShapes) {
  SgdOptimizer opt;
  std::vector<ParamRef> ps{{"emb", Tensor::zeros({3, 2}, DType::F64), Tensor(), sparse<double>({3}, {1, 1}, 3)}};
  try {
    opt.step(ps, 0.1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("id 3"));
    EXPECT_THAT(e.what(), HasSubstr("outside [0, 3)"));
  }
  SgdOptimizer opt2;
  std::vector<ParamRef> bad{{"emb", Tensor::zeros({4, 2}, DType::F64), Tensor(), sparse<double>({1}, {1, 1}, 3)}};
  EXPECT_THROW(opt2.step(bad, 0.1), Error);
}
