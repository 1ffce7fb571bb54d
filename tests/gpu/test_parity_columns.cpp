// Parity of the CUDA column-block copy with the CPU kernel: odd row counts and widths, offsets at
// both ends, write and accumulate; columns outside the block must be left untouched.
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/columns.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("copy_columns");

class ColumnsParity : public CudaTest {};

TEST_F(ColumnsParity, BlocksWriteAndAccumulate) {
  std::uint64_t seed = 1;
  const std::int64_t dst_cols = 40, src_cols = 33;
  for (std::int64_t rows : {1, 7, 33})
    for (auto [dst_col, src_col, width] : {std::tuple{0, 0, 33}, std::tuple{7, 1, 1}, std::tuple{39, 32, 1},
                                           std::tuple{3, 10, 0}, std::tuple{5, 0, 17}})
      for (bool accumulate : {false, true}) {
        Rng rng(seed++);
        const auto dst0 = rng.uniform(rows * dst_cols, -1, 1), src = rng.uniform(rows * src_cols, -1, 1);
        DeviceArray<float> dst(dst0), d_src(src);
        S2S_CUDA_OP(copy_columns)(dst.ptr(), dst_cols, dst_col, d_src.ptr(), src_cols, src_col, rows, width, accumulate);
        std::vector<double> want = to_double(dst0);
        const auto sd = to_double(src);
        cpu::copy_columns<double>(want.data(), dst_cols, dst_col, sd.data(), src_cols, src_col, rows, width, accumulate);
        const std::string what = "rows=" + std::to_string(rows) + " dst_col=" + std::to_string(dst_col) +
                                 " src_col=" + std::to_string(src_col) + " width=" + std::to_string(width) +
                                 (accumulate ? " accumulate" : "");
        EXPECT_TRUE(near(dst.read(), want, accumulate ? kElementwise : kExact)) << what;
        EXPECT_TRUE(dst.guards_intact("dst")) << what;
      }
}

TEST_F(ColumnsParity, RejectsBlocksOutsideTheRow) {
  DeviceArray<float> a(std::vector<float>(20, 0.0f));
  EXPECT_THROW(S2S_CUDA_OP(copy_columns)(a.ptr(), 10, 8, a.ptr(), 10, 0, 2, 3, false), Error);
  EXPECT_THROW(S2S_CUDA_OP(copy_columns)(a.ptr(), 10, 0, a.ptr(), 10, -1, 2, 3, false), Error);
}

}  // namespace
}  // namespace s2s::test
