// The CUDA runtime layer: device discovery (never throws), initialisation rules, the caching
// allocator behind Tensor (bins, statistics, empty_cache), pinned buffers, kernel error reports
// surfacing at synchronisation, and the Tensor-level dispatch (s2s::kern) on CUDA tensors.
// The first two tests run in every build; the rest skip without a device.
#include <cstdio>
#include <numeric>
#include <regex>
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/embedding.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::test {
namespace {

TEST(CudaRuntime, DeviceCountNeverThrowsAndExplainsZero) {
  std::string why;
  int n = -1;
  EXPECT_NO_THROW(n = cuda::device_count(&why));
  EXPECT_GE(n, 0);
  if (n == 0) EXPECT_FALSE(why.empty()) << "device_count() == 0 must say why";
  EXPECT_NO_THROW(cuda::device_count());
}

TEST(CudaRuntime, InitializeWithoutDeviceThrows) {
  if (cuda::device_count() > 0) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(cuda::initialize(0), Error);
  EXPECT_FALSE(cuda::initialized());
}

class CudaRuntimeTest : public CudaTest {};

// The launch self-check tells ranks apart by this UUID: it must be the driver's own (nvidia-smi's,
// read here as the independent reference) and the same whatever the process's device numbering.
TEST_F(CudaRuntimeTest, DeviceUuidIsNvidiaSmis) {
  const std::string uuid = cuda::device_uuid(0);
  EXPECT_TRUE(std::regex_match(uuid, std::regex("GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")))
      << uuid;
  std::string smi;
  if (FILE* p = ::popen("nvidia-smi --query-gpu=uuid --format=csv,noheader 2>/dev/null", "r")) {
    char line[256];
    while (std::fgets(line, sizeof(line), p)) smi += line;
    ::pclose(p);
  }
  if (smi.empty()) GTEST_SKIP() << "nvidia-smi not available to compare with (format checked: " << uuid << ")";
  EXPECT_NE(smi.find(uuid), std::string::npos) << "nvidia-smi lists:\n" << smi << "device_uuid(0) = " << uuid;
}

TEST(CudaRuntime, DeviceUuidWithoutDeviceThrows) {
  if (cuda::device_count() > 0) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(cuda::device_uuid(0), Error);
}

TEST_F(CudaRuntimeTest, InitializeIsIdempotentAndOneDevicePerProcess) {
  EXPECT_NO_THROW(cuda::initialize(0));
  EXPECT_TRUE(cuda::initialized());
  EXPECT_THROW(cuda::initialize(cuda::device_count()), Error);
  EXPECT_NE(device_allocator(Device::CUDA), nullptr);
}

TEST_F(CudaRuntimeTest, CachingAllocatorReusesBlocksAndCounts) {
  cuda::empty_cache();
  const cuda::AllocatorStats before = cuda::allocator_stats();
  EXPECT_EQ(before.bytes_cached, 0u);
  {
    Tensor t = Tensor::empty({1000}, DType::F32, Device::CUDA);  // 4000 B -> class 4096
    const auto during = cuda::allocator_stats();
    EXPECT_EQ(during.bytes_in_use, before.bytes_in_use + 4096);
    EXPECT_GE(during.peak_bytes_in_use, during.bytes_in_use);
    EXPECT_EQ(during.raw_allocations, before.raw_allocations + 1);
  }
  const auto freed = cuda::allocator_stats();
  EXPECT_EQ(freed.bytes_in_use, before.bytes_in_use);
  EXPECT_EQ(freed.bytes_cached, 4096u);
  {
    Tensor t = Tensor::empty({1010}, DType::F32, Device::CUDA);  // 4040 B: same class, a bin hit
    const auto again = cuda::allocator_stats();
    EXPECT_EQ(again.cache_hits, freed.cache_hits + 1);
    EXPECT_EQ(again.raw_allocations, freed.raw_allocations);
    EXPECT_EQ(again.bytes_cached, 0u);
  }
  cuda::empty_cache();
  const auto emptied = cuda::allocator_stats();
  EXPECT_EQ(emptied.bytes_cached, 0u);
  EXPECT_EQ(emptied.bytes_reserved, emptied.bytes_in_use);
  EXPECT_GT(emptied.raw_frees, freed.raw_frees);
}

TEST_F(CudaRuntimeTest, TensorCopiesRoundTrip) {
  std::vector<float> v(777);
  std::iota(v.begin(), v.end(), -100.0f);
  Tensor host = Tensor::from_vector<float>({7, 111}, v);
  Tensor dev = host.to(Device::CUDA);
  Tensor copy = dev.clone();  // device to device
  EXPECT_EQ(copy.to_vector<float>(), v);
  EXPECT_EQ(dev.rows(2, 3).to_vector<float>(), std::vector<float>(v.begin() + 222, v.begin() + 333));
  dev.fill_zero();
  EXPECT_EQ(dev.to_vector<float>(), std::vector<float>(v.size(), 0.0f));
}

TEST_F(CudaRuntimeTest, PinnedBufferAsyncRoundTrip) {
  const std::size_t n = 4099;
  cuda::PinnedBuffer up(n * sizeof(float)), down(n * sizeof(float));
  for (std::size_t i = 0; i < n; ++i) up.as<float>()[i] = 0.5f * float(i);
  Tensor dev = Tensor::empty({std::int64_t(n)}, DType::F32, Device::CUDA);
  up.upload_async(dev.data<float>(), n * sizeof(float));
  down.download_async(dev.data<float>(), n * sizeof(float));
  cuda::synchronize();
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(down.as<float>()[i], 0.5f * float(i)) << i;
  cuda::PinnedBuffer moved = std::move(up);
  EXPECT_EQ(up.data(), nullptr);
  EXPECT_EQ(moved.bytes(), n * sizeof(float));
  EXPECT_THROW(moved.upload_async(dev.data<float>(), 2 * n * sizeof(float)), Error);
}

TEST_F(CudaRuntimeTest, KernelErrorSurfacesOnceAtTheNextCopyToHost) {
  Tensor table = Tensor::zeros({4, 3}, DType::F32, Device::CUDA);
  Tensor ids = Tensor::from_vector<std::int32_t>({2}, {3, 57}).to(Device::CUDA);
  Tensor out = Tensor::empty({2, 3}, DType::F32, Device::CUDA);
  S2S_CUDA_OP(embedding_gather)(out.data<float>(), table.data<float>(), ids.data<std::int32_t>(), 2, 4, 3);
  try {
    (void)out.to_vector<float>();
    ADD_FAILURE() << "the bad id was not reported";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("embedding_gather: embedding id 57 at position 1 is outside [0, 4)"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(cuda::synchronize());  // reported once, then cleared
}

TEST_F(CudaRuntimeTest, TensorDispatchRunsOnCuda) {
  Rng rng(1);
  const auto a = rng.uniform(7 * 5, -1, 1), b = rng.uniform(5 * 3, -1, 1);
  Tensor ha = Tensor::from_vector<float>({7, 5}, a), hb = Tensor::from_vector<float>({5, 3}, b);
  Tensor hc = Tensor::zeros({7, 3}, DType::F32);
  kern::gemm(hc, ha, hb, false, false, 1.0, 0.0);
  Tensor dc = Tensor::zeros({7, 3}, DType::F32, Device::CUDA);
  kern::gemm(dc, ha.to(Device::CUDA), hb.to(Device::CUDA), false, false, 1.0, 0.0);
  EXPECT_TRUE(near(dc.to_vector<float>(), to_double(hc.to_vector<float>()), {1e-6, 1e-6}));
  EXPECT_NEAR(kern::sum(dc), kern::sum(hc), 1e-5);
}

}  // namespace
}  // namespace s2s::test
