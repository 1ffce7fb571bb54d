// The backend-free part of the caching allocator (CachingPool, cuda_allocator.h) over a fake raw
// allocator that counts calls and can run out of memory. Runs on every build (no device needed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "s2s/kernels/cuda_allocator.h"

namespace s2s::cuda {
namespace {

// A raw "device" backed by malloc with a byte budget, recording what is live.
struct FakeDevice {
  std::size_t budget = std::size_t{1} << 30, used = 0;
  std::set<void*> live;
  std::unordered_map<void*, std::size_t> sizes;
  CachingPool make_pool() {
    return CachingPool(
        [this](std::size_t b) -> void* {
          if (used + b > budget) return nullptr;
          void* p = std::malloc(b);
          used += b;
          live.insert(p);
          sizes[p] = b;
          return p;
        },
        [this](void* p) {
          used -= sizes.at(p);
          live.erase(p);
          std::free(p);
        });
  }
};

TEST(CachingPool, SizeClasses) {
  EXPECT_EQ(CachingPool::size_class(0), 512u);
  EXPECT_EQ(CachingPool::size_class(1), 512u);
  EXPECT_EQ(CachingPool::size_class(512), 512u);
  EXPECT_EQ(CachingPool::size_class(513), 1024u);
  EXPECT_EQ(CachingPool::size_class(1 << 20), std::size_t{1} << 20);
  // Above 1 MiB: quarters of the power of two below: 1 MiB + 1 -> 1.25 MiB.
  EXPECT_EQ(CachingPool::size_class((1 << 20) + 1), std::size_t{5} << 18);
  EXPECT_EQ(CachingPool::size_class(std::size_t{3} << 30), std::size_t{3} << 30);
  for (std::size_t b : {std::size_t{1}, std::size_t{777}, std::size_t{1} << 21, (std::size_t{1} << 25) + 12345}) {
    const std::size_t c = CachingPool::size_class(b);
    EXPECT_GE(c, b);
    // Waste: under 512 B up to 1 MiB, at most a quarter above.
    EXPECT_LE(c, b <= CachingPool::kSmallLimit ? b + 511 : b + b / 4) << b;
  }
}

TEST(CachingPool, FreedBlocksAreReusedBySizeClass) {
  FakeDevice dev;
  CachingPool pool = dev.make_pool();
  void* a = pool.allocate(1000);
  pool.deallocate(a, 1000);
  void* b = pool.allocate(1010);  // same 1024-byte class: the cached block
  EXPECT_EQ(a, b);
  void* c = pool.allocate(3000);  // another class: a new raw allocation
  EXPECT_NE(c, b);
  const AllocatorStats s = pool.stats();
  EXPECT_EQ(s.allocations, 3u);
  EXPECT_EQ(s.cache_hits, 1u);
  EXPECT_EQ(s.raw_allocations, 2u);
  EXPECT_EQ(s.bytes_in_use, 1024u + 3072u);
  EXPECT_EQ(s.peak_bytes_in_use, 1024u + 3072u);
  pool.deallocate(b, 1010);
  pool.deallocate(c, 3000);
  EXPECT_EQ(pool.stats().bytes_cached, 1024u + 3072u);
  EXPECT_EQ(pool.stats().bytes_in_use, 0u);
  EXPECT_EQ(dev.live.size(), 2u);
  pool.empty_cache();
  EXPECT_EQ(dev.live.size(), 0u);
  EXPECT_EQ(pool.stats().bytes_cached, 0u);
  EXPECT_EQ(pool.stats().raw_frees, 2u);
}

TEST(CachingPool, OutOfMemoryReleasesTheCacheAndRetries) {
  FakeDevice dev;
  dev.budget = 4096;
  CachingPool pool = dev.make_pool();
  void* a = pool.allocate(2048);
  pool.deallocate(a, 2048);      // cached: 2048 of the 4096-byte budget
  void* b = pool.allocate(3000); // 3072 does not fit next to the cached block: cache released
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(pool.stats().bytes_cached, 0u);
  EXPECT_THROW(pool.allocate(2048), Error);  // genuinely out of memory: a clear error
  pool.deallocate(b, 3000);
}

TEST(CachingPool, RejectsForeignDoubleAndMismatchedFrees) {
  FakeDevice dev;
  CachingPool pool = dev.make_pool();
  int local = 0;
  EXPECT_THROW(pool.deallocate(&local, 4), Error);
  void* a = pool.allocate(100);
  EXPECT_THROW(pool.deallocate(a, 5000), Error);  // another size class than was requested
  pool.deallocate(a, 100);
  EXPECT_THROW(pool.deallocate(a, 100), Error);  // twice
}

}  // namespace
}  // namespace s2s::cuda
