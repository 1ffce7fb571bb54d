// Parity of the CUDA fill (kernels/fill.h) with the CPU kernel: every element equals the value
// bit for bit (-0.0, infinities and NaN included), from one partial block to thousands of blocks,
// guards, the Tensor-level entry on a device tensor and a view, bad arguments.
#include <cmath>
#include <limits>
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/fill.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("fill");

class FillParity : public CudaTest {};

TEST_F(FillParity, EveryElementIsTheValue) {
  const float values[] = {0.0f, -0.0f, 1.0f, -2.5f, 0.1f, std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN()};
  for (std::int64_t n : {1, 7, 257, 65537, 3'000'001})  // one partial block .. thousands of blocks
    for (float value : values) {
      auto y = DeviceArray<float>::poisoned(n);
      S2S_CUDA_OP(fill)(y.ptr(), value, n);
      std::vector<float> want(static_cast<std::size_t>(n));
      cpu::fill<float>(want.data(), value, n);
      const std::string what = "n=" + std::to_string(n) + " value " + std::to_string(value);
      EXPECT_TRUE(bitwise_equal(y.read(), want)) << what;
      EXPECT_TRUE(y.guards_intact("y")) << what;
    }
}

TEST_F(FillParity, TensorEntryOnDeviceTensorsAndViews) {
  Tensor t = Tensor::zeros({4, 3}, DType::F32, Device::CUDA);
  Tensor middle = t.rows(1, 3);
  kern::fill(middle, 0.1);
  EXPECT_TRUE(bitwise_equal(t.to_vector<float>(), {0, 0, 0, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0, 0, 0}));
  Tensor d = Tensor::zeros({2}, DType::F64, Device::CUDA);
  EXPECT_THROW(kern::fill(d, 1.0), Error) << "the CUDA backend is float32-only";
}

TEST_F(FillParity, EmptyIsANoOpAndBadArgumentsThrow) {
  S2S_CUDA_OP(fill)(nullptr, 1.0f, 0);
  EXPECT_THROW(S2S_CUDA_OP(fill)(nullptr, 1.0f, 4), Error);
  DeviceArray<float> y(std::vector<float>(4, 0.0f));
  EXPECT_THROW(S2S_CUDA_OP(fill)(y.ptr(), 1.0f, -1), Error);
}

}  // namespace
}  // namespace s2s::test
