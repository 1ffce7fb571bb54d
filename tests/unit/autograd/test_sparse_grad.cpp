// Tests of the row-sparse gradient mode (var.h): embedding lookups of a sparse leaf produce
// (sorted unique ids, summed rows) equal bit for bit to the rows of the dense gradient the same
// graph gives a dense leaf (computed here by running the graph twice), without touching the
// leaf's dense buffer; mixing a dense use falls back to the dense gradient.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "s2s/autograd/ops.h"
#include "s2s/core/error.h"
#include "support/random.h"

using namespace s2s;
using namespace s2s::ag;

namespace {

Tensor ids_of(std::vector<std::int32_t> v) { return Tensor::from_vector({static_cast<std::int64_t>(v.size())}, v); }

// L = Σ tanh(lookup(t, a) W) ⊙ c + Σ lookup(t, b)² (+ Σ t W' when dense_use): the table read by two
// lookups with repeated ids, through a nonlinearity.
Var loss(const Var& table, const Var& w, bool dense_use) {
  Var y1 = embedding_lookup(table, ids_of({3, 1, 3, 8}));
  Var y2 = embedding_lookup(table, ids_of({1, 7, 1}));
  Var c = constant(test::random_tensor({4, 2}, table.dtype(), 9));
  Var l = add(sum(mul(tanh(matmul(y1, w)), c)), sum(mul(y2, y2)));
  if (dense_use) l = add(l, sum(matmul(table, w)));
  return l;
}

struct LookupRun {
  Var table, w;
  Tape tape;
};

void run(LookupRun& r, DType dtype, bool sparse, bool dense_use, const Tape::GradReadyFn& hook = {}) {
  r.table = Var(test::random_tensor({10, 3}, dtype, 1), true);
  r.w = Var(test::random_tensor({3, 2}, dtype, 2), true);
  if (sparse) r.table.set_sparse_grad(true);
  Var l;
  {
    TapeScope scope(&r.tape);
    l = loss(r.table, r.w, dense_use);
  }
  r.tape.backward(l, hook);
}

template <class T>
void expect_rows_equal_dense(DType dtype) {
  LookupRun dense, sparse;
  run(dense, dtype, false, false);
  run(sparse, dtype, true, false);
  EXPECT_FALSE(sparse.table.has_grad()) << "the sparse leaf's dense buffer was allocated";
  const RowSparse g = sparse.table.take_sparse_grad();
  ASSERT_TRUE(g.defined());
  EXPECT_EQ(g.ids.to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, 3, 7, 8}));
  const auto want = dense.table.grad().to_vector<T>();
  const auto rows = g.rows.to_vector<T>();
  const auto ids = g.ids.to_vector<std::int32_t>();
  for (std::size_t j = 0; j < ids.size(); ++j)
    EXPECT_EQ(std::memcmp(&rows[j * 3], &want[ids[j] * 3], 3 * sizeof(T)), 0) << "row " << ids[j];
  for (int r : {0, 2, 4, 5, 6, 9})
    for (int c = 0; c < 3; ++c) EXPECT_EQ(want[r * 3 + c], T(0));
  // The other parameter's gradient is unaffected by the mode.
  EXPECT_EQ(dense.w.grad().to_vector<T>(), sparse.w.grad().to_vector<T>());
}

}  // namespace

TEST(SparseGrad, LookupRowsEqualDenseGradientBitwise) {
  expect_rows_equal_dense<float>(DType::F32);
  expect_rows_equal_dense<double>(DType::F64);
}

TEST(SparseGrad, ReadyHookSeesTheFinalSparseGradient) {
  LookupRun dense, sparse;
  run(dense, DType::F64, false, false);
  RowSparse seen;
  run(sparse, DType::F64, true, false, [&](const Var& leaf) {
    if (leaf.sparse_grad()) seen = leaf.take_sparse_grad();
  });
  ASSERT_TRUE(seen.defined());
  EXPECT_EQ(seen.count(), 4);
  Tensor back = Tensor::zeros({10, 3}, DType::F64);
  for (std::int64_t j = 0; j < seen.count(); ++j)
    for (int c = 0; c < 3; ++c)
      back.data<double>()[seen.ids.data<std::int32_t>()[j] * 3 + c] = seen.rows.data<double>()[j * 3 + c];
  EXPECT_EQ(back.to_vector<double>(), dense.table.grad().to_vector<double>());
}

TEST(SparseGrad, DenseUseFallsBackToTheDenseGradient) {
  LookupRun dense, sparse;
  run(dense, DType::F64, false, true);
  run(sparse, DType::F64, true, true);
  EXPECT_FALSE(sparse.table.take_sparse_grad().defined());
  const auto got = sparse.table.grad().to_vector<double>(), want = dense.table.grad().to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-13) << i;
}

TEST(SparseGrad, ZeroGradDropsPiecesAndUnreachedLeafHasNoRows) {
  LookupRun sparse;
  run(sparse, DType::F64, true, false);
  sparse.table.zero_grad();
  const RowSparse g = sparse.table.take_sparse_grad();
  ASSERT_TRUE(g.defined());
  EXPECT_EQ(g.count(), 0);
  EXPECT_THROW(Var(Tensor::zeros({3}, DType::F64), true).set_sparse_grad(true), Error);
  EXPECT_THROW(sparse.w.take_sparse_grad(), Error);
}
