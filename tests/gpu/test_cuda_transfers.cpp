// Host<->device transfers of the caching allocator and its private pools on a real device:
// staged uploads return without waiting and survive the host buffer being overwritten at once,
// thousands of mixed-size uploads that wrap the pinned ring many times all arrive intact, large
// uploads take the synchronous path, transfer_stats() counts as documented, and private pools
// keep their blocks apart from the default pool. Skipped without a device.
// During a capture (begun through CudaGraph, cuda_graph.h: this binary has no CUDA headers) host
// copies are refused at once with the documented messages and are not counted, a device
// allocation of a new block still works, and a block given back to the driver is freed after the
// capture instead of invalidating it. test_cuda_graph.cpp covers the graphs themselves.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include <gmock/gmock.h>

#include "gpu/harness.h"
#include "s2s/kernels/cuda_graph.h"

namespace s2s::test {
namespace {

class CudaTransfersTest : public CudaTest {
 protected:
  DeviceAllocator& alloc() { return *device_allocator(Device::CUDA); }
};

// Deterministic bytes for upload number `i` (so they can be regenerated for the comparison).
void fill_pattern(unsigned char* p, std::size_t n, std::uint64_t i) {
  std::uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
  for (std::size_t k = 0; k < n; ++k) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    p[k] = static_cast<unsigned char>(x);
  }
}

// Queues device work on the stream: `rounds` memsets of `big` (1 GiB: about 0.5 ms each on an H100).
void keep_device_busy(Tensor& big, int rounds) {
  for (int r = 0; r < rounds; ++r) big.fill_zero();
}

TEST_F(CudaTransfersTest, StreamIsNotCapturingOutsideACapture) { EXPECT_FALSE(cuda::stream_is_capturing()); }

TEST_F(CudaTransfersTest, UploadIsIntactAfterTheHostBufferIsOverwrittenAtOnce) {
  if (cuda::staging_bytes() == 0) GTEST_SKIP() << "S2S_STAGING_BYTES=0: no staging ring";
  Tensor big = Tensor::empty({std::int64_t{1} << 28}, DType::F32, Device::CUDA);  // 1 GiB
  const std::size_t n = std::min<std::size_t>(64 << 10, cuda::staging_bytes() / 4);
  cuda::PinnedBuffer pinned(n);  // a pinned source would be read late by a naive async copy
  std::vector<unsigned char> pageable(n), want(n), got(n);
  fill_pattern(want.data(), n, 42);
  void* dev_a = alloc().allocate(n);
  void* dev_b = alloc().allocate(n);
  keep_device_busy(big, 50);  // the uploads queue behind this
  const auto before = cuda::transfer_stats();
  std::memcpy(pinned.data(), want.data(), n);
  alloc().copy_from_host(dev_a, pinned.data(), n);
  std::memset(pinned.data(), 0xAB, n);
  std::memcpy(pageable.data(), want.data(), n);
  alloc().copy_from_host(dev_b, pageable.data(), n);
  std::memset(pageable.data(), 0xCD, n);
  const auto after = cuda::transfer_stats();
  EXPECT_EQ(after.h2d_staged - before.h2d_staged, 2u);
  alloc().copy_to_host(got.data(), dev_a, n);
  EXPECT_EQ(got, want) << "upload from a pinned buffer overwritten after the call";
  alloc().copy_to_host(got.data(), dev_b, n);
  EXPECT_EQ(got, want) << "upload from a pageable buffer overwritten after the call";
  alloc().deallocate(dev_a, n);
  alloc().deallocate(dev_b, n);
}

TEST_F(CudaTransfersTest, StagedUploadDoesNotWaitForTheDevice) {
  if (cuda::staging_bytes() == 0) GTEST_SKIP() << "S2S_STAGING_BYTES=0: no staging ring";
  Tensor big = Tensor::empty({std::int64_t{1} << 28}, DType::F32, Device::CUDA);
  Tensor small = Tensor::empty({1024}, DType::F32, Device::CUDA);
  Tensor host = Tensor::from_vector<float>({1024}, std::vector<float>(1024, 3.0f));
  small.copy_from(host);  // the first upload creates the pinned ring (cudaMallocHost): not timed
  cuda::synchronize();
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  keep_device_busy(big, 100);
  const auto t1 = Clock::now();
  small.copy_from(host);  // staged: must not wait for the memsets
  const auto t2 = Clock::now();
  cuda::synchronize();
  const auto t3 = Clock::now();
  const double queue_s = std::chrono::duration<double>(t1 - t0).count();
  const double upload_s = std::chrono::duration<double>(t2 - t1).count();
  const double drain_s = std::chrono::duration<double>(t3 - t2).count();
  // The device still had most of the memsets to run when the upload returned.
  EXPECT_LT(upload_s, 0.25 * (upload_s + drain_s))
      << "upload took " << upload_s * 1e3 << " ms, the device drained for " << drain_s * 1e3
      << " ms after it (queueing took " << queue_s * 1e3 << " ms)";
  EXPECT_EQ(small.to_vector<float>(), std::vector<float>(1024, 3.0f));
}

TEST_F(CudaTransfersTest, ThousandsOfMixedUploadsWrapTheRingAndArriveIntact) {
  const std::size_t cap = cuda::staging_bytes();
  if (cap < (std::size_t{1} << 20))
    GTEST_SKIP() << "staging ring of " << cap << " bytes (S2S_STAGING_BYTES): the test needs 1 MiB";
  const std::size_t limit = cap / 4;
  std::mt19937_64 rng(2024);
  std::vector<std::size_t> sizes;
  std::size_t total = 0;
  while (sizes.size() < 3000 || total < 5 * cap) {
    const unsigned kind = rng() % 100;
    const std::size_t n = kind < 80   ? 1 + rng() % 4096
                          : kind < 97 ? 4096 + rng() % (limit / 16)
                                      : limit / 2 + rng() % (limit / 2 + 1);
    sizes.push_back(n);
    total += n;
  }
  Tensor big = Tensor::empty({std::int64_t{1} << 26}, DType::F32, Device::CUDA);
  std::vector<void*> dev(sizes.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) dev[i] = alloc().allocate(sizes[i]);
  std::vector<unsigned char> host(limit);  // one buffer, rewritten for every upload
  const auto before = cuda::transfer_stats();
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (i % 500 == 0) keep_device_busy(big, 5);  // so the ring fills while the device is busy
    fill_pattern(host.data(), sizes[i], i);
    alloc().copy_from_host(dev[i], host.data(), sizes[i]);
  }
  const auto after = cuda::transfer_stats();
  cuda::synchronize();
  EXPECT_EQ(after.h2d_copies - before.h2d_copies, sizes.size());
  EXPECT_EQ(after.h2d_staged - before.h2d_staged, sizes.size());
  EXPECT_EQ(after.h2d_synchronous - before.h2d_synchronous, 0u);
  EXPECT_EQ(after.h2d_bytes - before.h2d_bytes, total);
  EXPECT_GE(total, 5 * cap) << "the uploads must wrap the ring several times";
  std::vector<unsigned char> want, got;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    want.resize(sizes[i]);
    got.resize(sizes[i]);
    fill_pattern(want.data(), sizes[i], i);
    alloc().copy_to_host(got.data(), dev[i], sizes[i]);
    if (got != want && ++bad <= 5) ADD_FAILURE() << "upload " << i << " of " << sizes[i] << " bytes arrived corrupted";
    alloc().deallocate(dev[i], sizes[i]);
  }
  EXPECT_EQ(bad, 0u);
}

TEST_F(CudaTransfersTest, LargeUploadsTakeTheSynchronousPath) {
  const std::size_t cap = cuda::staging_bytes();
  const std::size_t limit = cap / 4;
  for (const std::size_t n : {limit, limit + 1, limit + 4096}) {
    if (n == 0) continue;
    std::vector<unsigned char> host(n), got(n), want(n);
    fill_pattern(want.data(), n, n);
    host = want;
    void* dev = alloc().allocate(n);
    const auto before = cuda::transfer_stats();
    alloc().copy_from_host(dev, host.data(), n);
    std::memset(host.data(), 0, n);
    const auto after = cuda::transfer_stats();
    const bool staged = cap > 0 && n <= limit;
    EXPECT_EQ(after.h2d_staged - before.h2d_staged, staged ? 1u : 0u) << n;
    EXPECT_EQ(after.h2d_synchronous - before.h2d_synchronous, staged ? 0u : 1u) << n;
    alloc().copy_to_host(got.data(), dev, n);
    EXPECT_EQ(got, want) << n;
    alloc().deallocate(dev, n);
  }
}

TEST_F(CudaTransfersTest, TransferStatsCountHostCopiesOnly) {
  cuda::reset_transfer_stats();
  const cuda::TransferStats zero = cuda::transfer_stats();
  EXPECT_EQ(zero.h2d_copies + zero.h2d_bytes + zero.h2d_staged + zero.h2d_synchronous, 0u);
  EXPECT_EQ(zero.d2h_copies + zero.d2h_bytes, 0u);
  std::vector<float> v(1000);
  std::iota(v.begin(), v.end(), 0.0f);
  Tensor dev = Tensor::from_vector<float>({1000}, v).to(Device::CUDA);
  Tensor copy = dev.clone();  // device to device: not counted
  copy.fill_zero();           // not a transfer
  Tensor empty = Tensor::empty({0}, DType::F32, Device::CUDA);
  empty.copy_from(Tensor::empty({0}, DType::F32));  // zero bytes: nothing happens
  cuda::TransferStats s = cuda::transfer_stats();
  EXPECT_EQ(s.h2d_copies, 1u);
  EXPECT_EQ(s.h2d_bytes, 4000u);
  EXPECT_EQ(s.h2d_staged + s.h2d_synchronous, 1u);
  EXPECT_EQ(s.d2h_copies, 0u);
  EXPECT_EQ(dev.to_vector<float>(), v);
  s = cuda::transfer_stats();
  EXPECT_EQ(s.d2h_copies, 1u);
  EXPECT_EQ(s.d2h_bytes, 4000u);
  EXPECT_EQ(dev.rows(0, 10).to_vector<float>().size(), 10u);
  s = cuda::transfer_stats();
  EXPECT_EQ(s.d2h_copies, 2u);
  EXPECT_EQ(s.d2h_bytes, 4040u);
  cuda::reset_transfer_stats();
  EXPECT_EQ(cuda::transfer_stats().d2h_copies, 0u);
}

TEST_F(CudaTransfersTest, PrivatePoolsKeepTheirBlocksApart) {
  cuda::empty_cache();
  const cuda::AllocatorStats base = cuda::allocator_stats();
  EXPECT_THROW(cuda::release_memory_pool(0), Error);
  const cuda::MemoryPoolId p = cuda::create_memory_pool();
  EXPECT_NE(p, 0u);
  void* in_pool = nullptr;
  {
    cuda::MemoryPoolScope scope(p);
    Tensor t = Tensor::from_vector<float>({1000}, std::vector<float>(1000, 7.0f)).to(Device::CUDA);
    in_pool = t.raw();
    EXPECT_EQ(t.to_vector<float>(), std::vector<float>(1000, 7.0f));  // usable like any block
  }  // t freed: back to p
  cuda::AllocatorStats s = cuda::allocator_stats();
  EXPECT_EQ(s.private_pools, base.private_pools + 1);
  EXPECT_EQ(s.private_pool_bytes, base.private_pool_bytes + 4096);
  {
    Tensor outside = Tensor::empty({1000}, DType::F32, Device::CUDA);
    EXPECT_NE(outside.raw(), in_pool) << "the default pool handed out a private pool's cached block";
  }
  cuda::empty_cache();  // the default pool's cache only
  EXPECT_EQ(cuda::allocator_stats().private_pool_bytes, base.private_pool_bytes + 4096);
  Tensor live;
  {
    cuda::MemoryPoolScope scope(p);
    Tensor again = Tensor::empty({1000}, DType::F32, Device::CUDA);
    EXPECT_EQ(again.raw(), in_pool);  // p's own cached block
    live = Tensor::empty({5000}, DType::F32, Device::CUDA);
  }
  const auto before_release = cuda::allocator_stats();
  cuda::release_memory_pool(p);  // frees the cached 4096-byte block now
  const auto released = cuda::allocator_stats();
  EXPECT_EQ(released.raw_frees, before_release.raw_frees + 1);
  EXPECT_THROW(cuda::MemoryPoolScope bad(p), Error);
  EXPECT_THROW(cuda::release_memory_pool(p), Error);
  live = Tensor();  // the live block goes to the driver, not to a cache
  const auto end = cuda::allocator_stats();
  EXPECT_EQ(end.raw_frees, released.raw_frees + 1);
  EXPECT_EQ(end.private_pools, base.private_pools);
  EXPECT_EQ(end.private_pool_bytes, base.private_pool_bytes);
  EXPECT_EQ(end.bytes_reserved, end.bytes_in_use + end.bytes_cached);
}

TEST_F(CudaTransfersTest, PoolScopeIsPerThread) {
  const cuda::MemoryPoolId p = cuda::create_memory_pool();
  const auto base = cuda::allocator_stats();
  {
    cuda::MemoryPoolScope scope(p);
    std::thread t([] { Tensor x = Tensor::empty({256}, DType::F32, Device::CUDA); });
    t.join();
  }
  // The other thread's block went to the default pool: nothing was added to p.
  EXPECT_EQ(cuda::allocator_stats().private_pool_bytes, base.private_pool_bytes);
  cuda::release_memory_pool(p);
}

// The message of the Error `body` throws when captured (empty if the capture succeeded).
std::string capture_error(cuda::CudaGraph& graph, const std::function<void()>& body) {
  try {
    graph.capture(body);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_F(CudaTransfersTest, HostCopiesDuringCaptureThrowAtOnceAndAreNotCounted) {
  using ::testing::HasSubstr;
  Tensor dev = Tensor::from_vector<float>({1000}, std::vector<float>(1000, 1.0f)).to(Device::CUDA);
  const Tensor host = Tensor::from_vector<float>({1000}, std::vector<float>(1000, 2.0f));
  const auto before = cuda::transfer_stats();
  cuda::CudaGraph graph;
  EXPECT_THAT(capture_error(graph, [&] { (void)dev.to_vector<float>(); }),
              HasSubstr("device-to-host copy of 4000 bytes during CUDA graph capture: a captured step must not "
                        "read device values on the host"));
  EXPECT_FALSE(cuda::stream_is_capturing());
  EXPECT_THAT(capture_error(graph, [&] { dev.copy_from(host); }),
              HasSubstr("host-to-device copy of 4000 bytes during CUDA graph capture: per-step inputs must be "
                        "uploaded before the graph is replayed"));
  EXPECT_FALSE(graph.captured());
  const auto after = cuda::transfer_stats();
  EXPECT_EQ(after.h2d_copies, before.h2d_copies);
  EXPECT_EQ(after.d2h_copies, before.d2h_copies);
  // Device copies and fills are stream work: captured, and run by the replay.
  Tensor other = Tensor::from_vector<float>({1000}, std::vector<float>(1000, 5.0f)).to(Device::CUDA);
  EXPECT_EQ(capture_error(graph, [&] {
              dev.fill_zero();
              dev.copy_from(other);
            }),
            "");
  EXPECT_TRUE(graph.captured());
  graph.replay();
  EXPECT_EQ(dev.to_vector<float>(), std::vector<float>(1000, 5.0f));
}

TEST_F(CudaTransfersTest, AllocationAndDeferredFreeDuringCapture) {
  // A released pool's live block freed inside a capture: cudaFree would invalidate the capture,
  // so it is deferred; a never-seen size is a new cudaMalloc made during the capture.
  const cuda::MemoryPoolId p = cuda::create_memory_pool();
  Tensor doomed;
  {
    cuda::MemoryPoolScope scope(p);
    doomed = Tensor::empty({777777}, DType::F32, Device::CUDA);
  }
  cuda::release_memory_pool(p);
  const auto before = cuda::allocator_stats();
  Tensor fresh;
  cuda::CudaGraph graph;
  EXPECT_EQ(capture_error(graph, [&] {
              doomed = Tensor();
              fresh = Tensor::zeros({1234567}, DType::F32, Device::CUDA);  // a size nothing cached
            }),
            "");
  EXPECT_TRUE(graph.captured());
  const auto after = cuda::allocator_stats();
  EXPECT_GT(after.raw_allocations, before.raw_allocations);
  EXPECT_EQ(after.raw_frees, before.raw_frees + 1);
  graph.replay();
  std::vector<float> got = fresh.to_vector<float>();
  EXPECT_EQ(got, std::vector<float>(got.size(), 0.0f));
  // The deferred cudaFree runs at the next raw free outside a capture.
  cuda::empty_cache();
  cuda::synchronize();
}

}  // namespace
}  // namespace s2s::test
