// Parity of the CUDA embedding gather (exact) and scatter-add (bitwise equal to the float CPU
// kernel, which adds rows in index order, and within the float64 bound) on odd sizes with many
// repeated ids; invalid ids poison gathered rows / are skipped, and throw at the next sync.
#include <cmath>
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/embedding.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("embedding_gather", "embedding_scatter_add");

class EmbeddingParity : public CudaTest {};

TEST_F(EmbeddingParity, GatherIsExact) {
  std::uint64_t seed = 1;
  for (std::int64_t n : {1, 7, 33, 1000})
    for (std::int64_t rows : {1, 7, 50})
      for (std::int64_t dim : {1, 7, 33, 300}) {
        Rng rng(seed++);
        const auto table = rng.uniform(rows * dim, -1, 1);
        const auto ids = rng.ints(n, 0, static_cast<std::int32_t>(rows));
        DeviceArray<float> d_table(table), out = DeviceArray<float>::poisoned(n * dim);
        DeviceArray<std::int32_t> d_ids(ids);
        S2S_CUDA_OP(embedding_gather)(out.ptr(), d_table.ptr(), d_ids.ptr(), n, rows, dim);
        std::vector<double> want(n * dim);
        const auto td = to_double(table);
        cpu::embedding_gather<double>(want.data(), td.data(), ids.data(), n, rows, dim);
        const std::string what = "n=" + std::to_string(n) + " rows=" + std::to_string(rows) + " dim=" + std::to_string(dim);
        EXPECT_TRUE(near(out.read(), want, kExact)) << what;
        EXPECT_TRUE(out.guards_intact("out")) << what;
      }
}

TEST_F(EmbeddingParity, ScatterAddMatchesCpuOrderBitwise) {
  std::uint64_t seed = 100;
  for (std::int64_t n : {1, 7, 33, 1000, 5000})
    for (std::int64_t rows : {1, 7, 50, 3000})
      for (std::int64_t dim : {1, 33, 300}) {
        Rng rng(seed++);
        const auto dtable0 = rng.uniform(rows * dim, -1, 1), dout = rng.uniform(n * dim, -1, 1);
        const auto ids = rng.ints(n, 0, static_cast<std::int32_t>(rows));
        DeviceArray<float> dtable(dtable0), d_dout(dout);
        DeviceArray<std::int32_t> d_ids(ids);
        S2S_CUDA_OP(embedding_scatter_add)(dtable.ptr(), d_dout.ptr(), d_ids.ptr(), n, rows, dim);
        const auto got = dtable.read();
        const std::string what = "n=" + std::to_string(n) + " rows=" + std::to_string(rows) + " dim=" + std::to_string(dim);
        // Same additions in the same order as the float CPU loop: identical bits.
        std::vector<float> cpu_f32 = dtable0;
        cpu::embedding_scatter_add<float>(cpu_f32.data(), dout.data(), ids.data(), n, rows, dim);
        EXPECT_TRUE(bitwise_equal(got, cpu_f32)) << what;
        // And within gamma(count + 1) (|dtable0| + Σ|rows|) of the float64 reference.
        std::vector<double> want = to_double(dtable0), mass = abs_of(to_double(dtable0));
        std::vector<std::int64_t> count(rows, 0);
        const auto dd = to_double(dout), da = abs_of(dd);
        cpu::embedding_scatter_add<double>(want.data(), dd.data(), ids.data(), n, rows, dim);
        cpu::embedding_scatter_add<double>(mass.data(), da.data(), ids.data(), n, rows, dim);
        for (auto id : ids) ++count[id];
        std::vector<double> bound(want.size());
        for (std::size_t i = 0; i < bound.size(); ++i) bound[i] = 2 * gamma(double(count[i / dim]) + 1) * mass[i];
        EXPECT_TRUE(near_bound(got, want, bound)) << what;
        EXPECT_TRUE(dtable.guards_intact("dtable")) << what;
      }
}

TEST_F(EmbeddingParity, InvalidIdsAreReportedAtSync) {
  const std::int64_t rows = 4, dim = 3;
  DeviceArray<float> table(Rng(3).uniform(rows * dim, -1, 1)), out = DeviceArray<float>::poisoned(3 * dim);
  DeviceArray<std::int32_t> ids(std::vector<std::int32_t>{1, 57, 2});
  S2S_CUDA_OP(embedding_gather)(out.ptr(), table.ptr(), ids.ptr(), 3, rows, dim);
  EXPECT_THROW(cuda::synchronize(), Error);
  const auto got = out.read();
  EXPECT_TRUE(std::isnan(got[dim]) && std::isfinite(got[0]) && std::isfinite(got[2 * dim]));

  DeviceArray<float> dtable(std::vector<float>(rows * dim, 0.0f)), dout(std::vector<float>(3 * dim, 1.0f));
  DeviceArray<std::int32_t> bad(std::vector<std::int32_t>{-1, 2, 2});
  S2S_CUDA_OP(embedding_scatter_add)(dtable.ptr(), dout.ptr(), bad.ptr(), 3, rows, dim);
  try {
    cuda::synchronize();
    ADD_FAILURE() << "a negative id was not reported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("embedding_scatter_add"), std::string::npos) << e.what();
  }
  const auto table_after = dtable.read();
  EXPECT_EQ(table_after[2 * dim], 2.0f);  // the valid rows were still added
  EXPECT_TRUE(dtable.guards_intact("dtable"));
}

}  // namespace
}  // namespace s2s::test
