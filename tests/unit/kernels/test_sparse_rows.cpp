// Tests of the row-sparse kernels (kernels/sparse_rows.h) against hand-worked cases and a dense
// scatter written here: coalescing gives sorted unique ids and rows equal bit for bit to the dense
// gradient's rows (the same additions in the same order), for float32 and float64.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "s2s/core/error.h"
#include "s2s/kernels/sparse_rows.h"
#include "support/random.h"

using namespace s2s;
using ::testing::HasSubstr;

TEST(SparseRows, CoalesceHandWorked) {
  const Tensor ids = Tensor::from_vector<std::int32_t>({5}, {4, 1, 4, 0, 1});
  const Tensor rows = Tensor::from_vector<double>({5, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  const RowSparse g = kern::coalesce_rows(ids, rows, 6);
  EXPECT_TRUE(g.coalesced);
  EXPECT_EQ(g.ids.to_vector<std::int32_t>(), (std::vector<std::int32_t>{0, 1, 4}));
  EXPECT_EQ(g.rows.to_vector<double>(), (std::vector<double>{7, 8, 3 + 9, 4 + 10, 1 + 5, 2 + 6}));
  EXPECT_EQ(g.vocab, 6);
}

TEST(SparseRows, CoalesceEmptyAndErrors) {
  const RowSparse g = kern::coalesce_rows(Tensor::empty({0}, DType::I32), Tensor::empty({0, 3}, DType::F32), 5);
  EXPECT_EQ(g.count(), 0);
  try {
    kern::coalesce_rows(Tensor::from_vector<std::int32_t>({2}, {0, 7}), Tensor::zeros({2, 1}, DType::F32), 5);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("id 7 at position 1 is outside [0, 5)"));
  }
}

template <class T>
void expect_coalesce_equals_dense(DType dtype) {
  const std::int64_t n = 200, vocab = 37, d = 6;
  PhiloxStream rng(11, 0);
  std::vector<std::int32_t> idv(n);
  for (auto& id : idv) id = static_cast<std::int32_t>(rng.uniform(0.0, 1.0) * 30) % 30;  // rows 30..36 untouched
  const Tensor ids = Tensor::from_vector({n}, idv);
  const Tensor rows = test::random_tensor({n, d}, dtype, 5);
  std::vector<T> dense(vocab * d, T(0));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t c = 0; c < d; ++c) dense[idv[i] * d + c] += rows.data<T>()[i * d + c];
  const RowSparse g = kern::coalesce_rows(ids, rows, vocab);
  const auto gi = g.ids.to_vector<std::int32_t>();
  const auto gr = g.rows.to_vector<T>();
  ASSERT_EQ(gi.size(), 30u);
  for (std::size_t j = 0; j < gi.size(); ++j) {
    if (j > 0) {
      EXPECT_LT(gi[j - 1], gi[j]);
    }
    EXPECT_EQ(std::memcmp(&gr[j * d], &dense[gi[j] * d], d * sizeof(T)), 0) << "row " << gi[j];
  }
}

TEST(SparseRows, CoalesceEqualsDenseScatterBitwise) {
  expect_coalesce_equals_dense<float>(DType::F32);
  expect_coalesce_equals_dense<double>(DType::F64);
}

TEST(SparseRows, AddRowSparseAccumulates) {
  Tensor dense = Tensor::from_vector<double>({3, 1}, {1, 1, 1});
  const RowSparse g{Tensor::from_vector<std::int32_t>({3}, {2, 0, 2}), Tensor::from_vector<double>({3, 1}, {1, 2, 3}),
                    3, false};
  kern::add_row_sparse(dense, g);
  EXPECT_EQ(dense.to_vector<double>(), (std::vector<double>{3, 1, 5}));
}
