// Parity of the CUDA row-sparse kernels with their CPU twins (kernels/sparse_rows.h): coalesce_rows
// gives the same unique ids and bitwise the same float32 sums (same additions, same order) on
// odd sizes with many repeated ids; the sparse SGD / Momentum updates equal the CPU float32 loops
// bit for bit and leave untouched rows alone.
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/sparse_rows.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("coalesce_rows", "sparse_sgd_update", "sparse_momentum_update");

class SparseRowsParity : public CudaTest {};

TEST_F(SparseRowsParity, CoalesceMatchesCpuBitwise) {
  std::uint64_t seed = 1;
  for (std::int64_t n : {1, 7, 33, 1000, 5000})
    for (std::int64_t vocab : {1, 7, 3000})
      for (std::int64_t dim : {1, 33, 300}) {
        Rng rng(seed++);
        const auto rows = rng.uniform(n * dim, -1, 1);
        const auto ids = rng.ints(n, 0, static_cast<std::int32_t>(vocab));
        DeviceArray<float> d_rows(rows), out_rows = DeviceArray<float>::poisoned(n * dim);
        DeviceArray<std::int32_t> d_ids(ids), out_ids = DeviceArray<std::int32_t>::poisoned(n);
        const std::int64_t k =
            S2S_CUDA_OP(coalesce_rows)(out_ids.ptr(), out_rows.ptr(), d_ids.ptr(), d_rows.ptr(), n, vocab, dim);
        std::vector<std::int32_t> want_ids(n);
        std::vector<float> want_rows(n * dim);
        const std::int64_t want_k =
            cpu::coalesce_rows<float>(want_ids.data(), want_rows.data(), ids.data(), rows.data(), n, vocab, dim);
        const std::string what = "n=" + std::to_string(n) + " vocab=" + std::to_string(vocab) + " dim=" + std::to_string(dim);
        ASSERT_EQ(k, want_k) << what;
        auto got_ids = out_ids.read();
        auto got_rows = out_rows.read();
        got_ids.resize(k);
        got_rows.resize(k * dim);
        want_ids.resize(k);
        want_rows.resize(k * dim);
        EXPECT_EQ(got_ids, want_ids) << what;
        EXPECT_TRUE(bitwise_equal(got_rows, want_rows)) << what;
        EXPECT_TRUE(out_rows.guards_intact("out_rows")) << what;
      }
}

TEST_F(SparseRowsParity, SparseUpdatesMatchCpuBitwise) {
  const std::int64_t vocab = 500, dim = 33;
  Rng rng(77);
  const auto var0 = rng.uniform(vocab * dim, -1, 1), accum0 = rng.uniform(vocab * dim, 0, 1);
  std::vector<std::int32_t> ids;
  for (std::int32_t i = 3; i < vocab; i += 7) ids.push_back(i);  // unique, sorted, most rows untouched
  const std::int64_t k = static_cast<std::int64_t>(ids.size());
  const auto g = rng.uniform(k * dim, -1, 1);
  DeviceArray<float> var(var0), accum(accum0), d_g(g);
  DeviceArray<std::int32_t> d_ids(ids);
  S2S_CUDA_OP(sparse_momentum_update)(var.ptr(), accum.ptr(), d_ids.ptr(), d_g.ptr(), 0.1f, 0.9f, k, vocab, dim);
  S2S_CUDA_OP(sparse_sgd_update)(var.ptr(), d_ids.ptr(), d_g.ptr(), 0.05f, k, vocab, dim);
  std::vector<float> want_var = var0, want_accum = accum0;
  cpu::sparse_momentum_update<float>(want_var.data(), want_accum.data(), ids.data(), g.data(), 0.1f, 0.9f, k, vocab, dim);
  cpu::sparse_sgd_update<float>(want_var.data(), ids.data(), g.data(), 0.05f, k, vocab, dim);
  EXPECT_TRUE(bitwise_equal(var.read(), want_var));
  EXPECT_TRUE(bitwise_equal(accum.read(), want_accum));
  EXPECT_TRUE(var.guards_intact("var") && accum.guards_intact("accum"));
}

}  // namespace
}  // namespace s2s::test
