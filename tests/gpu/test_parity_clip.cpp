// Parity of the CUDA device-side clip (kernels/clip.h) with the CPU float32 loop: the scale is
// derived from the norm² in device memory with the same expression, so results must be equal bit
// for bit; below, at and above the threshold, norm² 0, and non-finite norms (NaN everywhere).
#include <cmath>
#include <limits>

#include "gpu/harness.h"
#include "s2s/kernels/clip.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("scale_by_global_norm");

class ClipParity : public CudaTest {};

std::vector<float> cpu_twin(std::vector<float> g, float norm_sq, float max_norm) {
  cpu::scale_by_global_norm<float>(g.data(), static_cast<std::int64_t>(g.size()), &norm_sq, max_norm);
  return g;
}

TEST_F(ClipParity, BitwiseEqualToTheCpuLoop) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (std::int64_t n : {1, 7, 4097, (1 << 20) + 3}) {
    const std::vector<float> g = Rng(static_cast<std::uint64_t>(n)).uniform(n, -3, 3);
    for (float norm_sq : {0.0f, 0.01f, 24.99f, 25.0f, 25.01f, 1e6f, inf, nan}) {
      DeviceArray<float> dg(g);
      DeviceArray<float> dn(std::vector<float>{norm_sq});
      S2S_CUDA_OP(scale_by_global_norm)(dg.ptr(), n, dn.ptr(), 5.0f);
      const std::vector<float> want = cpu_twin(g, norm_sq, 5.0f);
      const std::vector<float> got = dg.read();
      if (std::isfinite(norm_sq)) {
        EXPECT_TRUE(bitwise_equal(got, want)) << "n " << n << " norm_sq " << norm_sq;
      } else {
        for (float v : got) ASSERT_TRUE(std::isnan(v)) << "n " << n << " norm_sq " << norm_sq;
      }
      EXPECT_TRUE(dg.guards_intact("g"));
      EXPECT_TRUE(dn.guards_intact("norm_sq"));
    }
  }
}

}  // namespace
}  // namespace s2s::test
