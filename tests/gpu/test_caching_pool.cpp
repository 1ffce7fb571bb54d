// The backend-free part of the caching allocator (CachingPool, cuda_allocator.h) over a fake raw
// allocator that counts calls and can run out of memory: size classes, reuse, out-of-memory retry,
// and private pools (per-thread selection, blocks returning to their own pool, release).
// Runs on every build (no device needed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <thread>
#include <utility>

#include "s2s/kernels/cuda_allocator.h"

namespace s2s::cuda {
namespace {

// A raw "device" backed by malloc with a byte budget, recording what is live.
struct FakeDevice {
  std::size_t budget = std::size_t{1} << 30, used = 0;
  std::uint64_t failures = 0;  // raw allocations refused
  std::set<void*> live;
  std::unordered_map<void*, std::size_t> sizes;
  CachingPool make_pool() {
    return CachingPool(
        [this](std::size_t b) -> void* {
          if (used + b > budget) {
            ++failures;
            return nullptr;
          }
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

// What MemoryPoolScope (cuda_runtime_api.h) does on the CUDA side, without the device.
class Scope {
 public:
  explicit Scope(MemoryPoolId id) : previous_(std::exchange(thread_memory_pool(), id)) {}
  ~Scope() { thread_memory_pool() = previous_; }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  MemoryPoolId previous_;
};

// The pool's view against the fake device's own accounting.
void expect_consistent(const CachingPool& pool, const FakeDevice& dev) {
  const AllocatorStats s = pool.stats();
  EXPECT_EQ(s.bytes_reserved, s.bytes_in_use + s.bytes_cached);
  EXPECT_EQ(s.bytes_reserved, dev.used);  // everything reserved is exactly what the device gave
  EXPECT_EQ(s.raw_allocations - dev.failures - s.raw_frees, dev.live.size());
  EXPECT_LE(s.private_pool_bytes, s.bytes_reserved);
}

TEST(CachingPoolPrivate, PoolsDoNotShareCachedBlocks) {
  FakeDevice dev;
  CachingPool pool = dev.make_pool();
  void* a = pool.allocate(1000);
  pool.deallocate(a, 1000);  // cached in the default pool
  const MemoryPoolId p = pool.create_pool();
  EXPECT_NE(p, 0u);
  void* b = nullptr;
  {
    Scope scope(p);
    b = pool.allocate(1000);
    EXPECT_NE(b, a) << "a private pool took a block cached in the default pool";
    pool.deallocate(b, 1000);  // cached in p
  }
  void* c = pool.allocate(1000);  // default pool again: its own cached block, not p's
  EXPECT_EQ(c, a);
  void* d = pool.allocate(1000);  // nothing cached in the default pool now: a new block
  EXPECT_NE(d, b);
  {
    Scope scope(p);
    void* e = pool.allocate(1000);
    EXPECT_EQ(e, b);  // p's cached block
    pool.deallocate(e, 1000);
  }
  const AllocatorStats s = pool.stats();
  EXPECT_EQ(s.raw_allocations, 3u);
  EXPECT_EQ(s.cache_hits, 2u);
  EXPECT_EQ(s.private_pools, 1u);
  EXPECT_EQ(s.private_pool_bytes, 1024u);
  EXPECT_EQ(s.bytes_in_use, 2048u);
  expect_consistent(pool, dev);
  pool.deallocate(c, 1000);
  pool.deallocate(d, 1000);
  expect_consistent(pool, dev);
}

TEST(CachingPoolPrivate, BlockReturnsToItsOwnPoolWhicheverIsCurrent) {
  FakeDevice dev;
  CachingPool pool = dev.make_pool();
  const MemoryPoolId p = pool.create_pool();
  void* b = nullptr;
  {
    Scope scope(p);
    b = pool.allocate(5000);
  }
  void* a = pool.allocate(5000);  // default pool
  {
    Scope scope(p);
    pool.deallocate(a, 5000);  // freed while p is current: back to the default pool
  }
  pool.deallocate(b, 5000);  // freed while the default pool is current: back to p
  EXPECT_EQ(pool.stats().private_pool_bytes, 5120u);
  void* again_default = pool.allocate(5000);
  EXPECT_EQ(again_default, a);
  {
    Scope scope(p);
    void* again_private = pool.allocate(5000);
    EXPECT_EQ(again_private, b);
    pool.deallocate(again_private, 5000);
  }
  pool.deallocate(again_default, 5000);
  expect_consistent(pool, dev);
}

TEST(CachingPoolPrivate, NestedScopesRestoreThePreviousPool) {
  FakeDevice dev;
  CachingPool pool = dev.make_pool();
  const MemoryPoolId p = pool.create_pool(), q = pool.create_pool();
  EXPECT_NE(p, q);
  EXPECT_EQ(thread_memory_pool(), 0u);
  void *in_p = nullptr, *in_q = nullptr, *in_p_again = nullptr;
  {
    Scope sp(p);
    EXPECT_EQ(thread_memory_pool(), p);
    {
      Scope sq(q);
      EXPECT_EQ(thread_memory_pool(), q);
      in_q = pool.allocate(700);
    }
    EXPECT_EQ(thread_memory_pool(), p);
    in_p = pool.allocate(700);
    pool.deallocate(in_q, 700);  // to q
    in_p_again = pool.allocate(700);  // p has nothing cached: not q's block
    EXPECT_NE(in_p_again, in_q);
  }
  EXPECT_EQ(thread_memory_pool(), 0u);
  void* in_default = pool.allocate(700);
  EXPECT_NE(in_default, in_q);
  {
    Scope sq(q);
    void* back = pool.allocate(700);
    EXPECT_EQ(back, in_q);
    pool.deallocate(back, 700);
  }
  for (void* x : {in_p, in_p_again, in_default}) pool.deallocate(x, 700);
  expect_consistent(pool, dev);
}

TEST(CachingPoolPrivate, ReleaseFreesCachedBlocksNowAndLiveBlocksWhenFreed) {
  FakeDevice dev;
  CachingPool pool = dev.make_pool();
  const MemoryPoolId p = pool.create_pool();
  void *x = nullptr, *y = nullptr;
  {
    Scope scope(p);
    x = pool.allocate(2000);
    y = pool.allocate(3000);
  }
  pool.deallocate(x, 2000);  // cached in p
  EXPECT_EQ(dev.live.size(), 2u);
  pool.release_pool(p);
  EXPECT_FALSE(pool.has_pool(p));
  EXPECT_EQ(dev.live.count(x), 0u) << "a released pool's cached block must go back to the device";
  EXPECT_EQ(dev.live.count(y), 1u) << "a live block must stay until it is freed";
  {
    AllocatorStats s = pool.stats();
    EXPECT_EQ(s.bytes_cached, 0u);
    EXPECT_EQ(s.bytes_in_use, 3072u);
    EXPECT_EQ(s.private_pools, 1u);  // kept while it has a live block
    EXPECT_EQ(s.raw_frees, 1u);
  }
  expect_consistent(pool, dev);
  {
    Scope scope(p);
    EXPECT_THROW(pool.allocate(10), Error);  // the id is invalid now
  }
  EXPECT_THROW(pool.release_pool(p), Error);  // twice
  pool.deallocate(y, 3000);                  // straight to the device, not cached
  EXPECT_TRUE(dev.live.empty());
  const AllocatorStats s = pool.stats();
  EXPECT_EQ(s.bytes_cached, 0u);
  EXPECT_EQ(s.bytes_in_use, 0u);
  EXPECT_EQ(s.private_pools, 0u);
  EXPECT_EQ(s.private_pool_bytes, 0u);
  EXPECT_EQ(s.raw_frees, 2u);
  expect_consistent(pool, dev);
  // Ids are not reused.
  EXPECT_NE(pool.create_pool(), p);
}

TEST(CachingPoolPrivate, ReleaseRulesAndUnknownPools) {
  FakeDevice dev;
  CachingPool pool = dev.make_pool();
  EXPECT_THROW(pool.release_pool(0), Error);   // the default pool
  EXPECT_THROW(pool.release_pool(42), Error);  // never created
  EXPECT_TRUE(pool.has_pool(0));
  EXPECT_FALSE(pool.has_pool(42));
  {
    Scope scope(42);
    EXPECT_THROW(pool.allocate(10), Error);
  }
  const MemoryPoolId p = pool.create_pool();
  pool.release_pool(p);  // empty: gone at once
  EXPECT_EQ(pool.stats().private_pools, 0u);
  EXPECT_THROW(pool.release_pool(p), Error);
}

TEST(CachingPoolPrivate, EmptyCacheAndOutOfMemoryRetryKeepPrivateBlocks) {
  FakeDevice dev;
  dev.budget = 8192;
  CachingPool pool = dev.make_pool();
  const MemoryPoolId p = pool.create_pool();
  void* priv = nullptr;
  {
    Scope scope(p);
    priv = pool.allocate(4096);
  }
  pool.deallocate(priv, 4096);  // cached in p: a graph would still use it
  void* d = pool.allocate(2048);
  pool.deallocate(d, 2048);     // cached in the default pool
  pool.empty_cache();
  EXPECT_EQ(dev.live.count(d), 0u);
  EXPECT_EQ(dev.live.count(priv), 1u) << "empty_cache must not free a private pool's blocks";
  EXPECT_EQ(pool.stats().bytes_cached, 4096u);
  // 6144 B do not fit next to p's 4096: the retry may only give back the default pool's cache.
  void* d2 = pool.allocate(2048);
  pool.deallocate(d2, 2048);
  EXPECT_THROW(pool.allocate(6000), Error);
  EXPECT_EQ(dev.live.count(priv), 1u);
  expect_consistent(pool, dev);
  {
    Scope scope(p);
    void* again = pool.allocate(4096);
    EXPECT_EQ(again, priv);
    pool.deallocate(again, 4096);
  }
  pool.release_pool(p);
  void* big = pool.allocate(6000);  // now it fits
  EXPECT_EQ(pool.stats().bytes_in_use, 6144u);
  pool.deallocate(big, 6000);
  expect_consistent(pool, dev);
}

TEST(CachingPoolPrivate, DestructorFreesEveryPoolsCachedBlocks) {
  FakeDevice dev;
  {
    CachingPool pool = dev.make_pool();
    const MemoryPoolId p = pool.create_pool();
    void* a = pool.allocate(100);
    Scope scope(p);
    void* b = pool.allocate(100);
    pool.deallocate(a, 100);
    pool.deallocate(b, 100);
  }
  EXPECT_TRUE(dev.live.empty());
  EXPECT_EQ(thread_memory_pool(), 0u);
}

TEST(CachingPoolPrivate, AnotherThreadsAllocationsIgnoreThisThreadsScope) {
  FakeDevice dev;
  CachingPool pool = dev.make_pool();
  void* a = pool.allocate(1000);
  pool.deallocate(a, 1000);  // cached in the default pool
  const MemoryPoolId p = pool.create_pool();
  Scope scope(p);
  void* from_other = nullptr;
  MemoryPoolId other_pool = 99;
  std::thread t([&] {
    other_pool = thread_memory_pool();
    from_other = pool.allocate(1000);
  });
  t.join();
  EXPECT_EQ(other_pool, 0u);
  EXPECT_EQ(from_other, a) << "the other thread must allocate from the default pool";
  void* mine = pool.allocate(1000);
  EXPECT_NE(mine, a);
  EXPECT_EQ(pool.stats().private_pool_bytes, 1024u);
  pool.deallocate(from_other, 1000);
  pool.deallocate(mine, 1000);
  expect_consistent(pool, dev);
}

}  // namespace
}  // namespace s2s::cuda
