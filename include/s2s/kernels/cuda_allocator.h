#pragma once
// Owns: the caching device allocator. CachingPool is the backend-free part (size-class bins,
// private pools, statistics, out-of-memory retry) over a raw allocate/free pair, header-only so it
// is unit-tested on the CPU with a fake backend; CudaCachingAllocator plugs it into
// cudaMalloc/cudaFree and implements s2s::DeviceAllocator (core/tensor.h), with copies and fills
// ordered on the context's stream (cuda_context.h) and host-to-device copies staged through a
// pinned ring (staging_ring.h) so that they do not wait for the device.
// Why a cache: a training step allocates the same sizes in the same order every step (static
// shapes per bucket), and cudaMalloc/cudaFree synchronise the device and cost tens of
// microseconds each; after the first step of each bucket every request is a bin hit.
// Size classes: requests are rounded up to 512 B up to 1 MiB, and above that to a quarter of the
// power of two below them (at most 25 % waste). A freed block is cached in its class's bin and
// handed out again only for a request of the same class; blocks are never split or merged.
// Private pools (for CUDA graphs): each pool has its own bins; a thread allocates from the pool
// selected for it (thread_memory_pool(), set by MemoryPoolScope of cuda_runtime_api.h), and a
// block always returns to the bins of the pool it came from. A private pool's cached blocks are
// never handed to another pool nor given back by empty_cache() or the out-of-memory retry (a
// captured graph keeps using them between replays); release_pool() gives them back.
// CUDA-header-free so it compiles in CPU-only builds.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/core/tensor.h"

namespace s2s::cuda {

using MemoryPoolId = std::uint64_t;  // 0 is the default pool (also declared in cuda_runtime_api.h)

// The pool the calling thread allocates from (0: the default pool). Process-wide per thread, for
// every CachingPool; MemoryPoolScope (cuda_runtime_api.h) sets and restores it.
inline MemoryPoolId& thread_memory_pool() {
  thread_local MemoryPoolId id = 0;
  return id;
}

struct AllocatorStats {
  std::size_t bytes_in_use = 0;       // handed out and not yet returned (size-class rounded)
  std::size_t peak_bytes_in_use = 0;  // maximum of bytes_in_use since creation
  std::size_t bytes_cached = 0;       // returned blocks kept for reuse
  std::size_t bytes_reserved = 0;     // bytes_in_use + bytes_cached: what the driver has given us
  std::uint64_t allocations = 0;      // allocate() calls
  std::uint64_t cache_hits = 0;       // allocate() calls served from a bin
  std::uint64_t raw_allocations = 0;  // calls of the raw allocator (cudaMalloc)
  std::uint64_t raw_frees = 0;        // calls of the raw free (cudaFree)
  std::size_t private_pools = 0;       // private pools not yet gone (released ones with live blocks too)
  std::size_t private_pool_bytes = 0;  // of bytes_reserved, the part in private pools
};

// Host<->device copies made through CudaCachingAllocator (Tensor::to, copy_from, to_vector, ...).
// Not counted: PinnedBuffer's async transfers and the error-word read of synchronize().
struct TransferStats {
  std::uint64_t h2d_copies = 0;       // host-to-device copies (every path)
  std::uint64_t h2d_bytes = 0;
  std::uint64_t h2d_staged = 0;       // of which asynchronous, through the pinned staging ring
  std::uint64_t h2d_synchronous = 0;  // of which synchronous (too large for the ring, or no ring)
  std::uint64_t d2h_copies = 0;       // device-to-host copies: each one is a host round trip
  std::uint64_t d2h_bytes = 0;
};

class CachingPool {
 public:
  using RawAlloc = std::function<void*(std::size_t)>;  // nullptr when out of memory
  using RawFree = std::function<void(void*)>;

  static constexpr std::size_t kSmallStep = 512;
  static constexpr std::size_t kSmallLimit = std::size_t{1} << 20;

  static std::size_t size_class(std::size_t bytes) {
    if (bytes <= kSmallLimit) return std::max<std::size_t>((bytes + kSmallStep - 1) / kSmallStep, 1) * kSmallStep;
    std::size_t top = kSmallLimit;
    while (top * 2 <= bytes) top *= 2;  // largest power of two <= bytes
    const std::size_t step = top / 4;
    return (bytes + step - 1) / step * step;
  }

  CachingPool(RawAlloc raw_alloc, RawFree raw_free)
      : raw_alloc_(std::move(raw_alloc)), raw_free_(std::move(raw_free)) {
    pools_.emplace(0, Pool{});
  }
  // Frees the cached blocks of every pool; live blocks are the owner's to return first.
  ~CachingPool() {
    std::lock_guard lock(mutex_);
    for (auto& [id, pool] : pools_) free_cached_locked(pool);
  }
  CachingPool(const CachingPool&) = delete;
  CachingPool& operator=(const CachingPool&) = delete;

  // From the calling thread's pool (thread_memory_pool()), which must exist and not be released.
  void* allocate(std::size_t bytes) {
    const std::size_t cls = size_class(bytes);
    const MemoryPoolId id = thread_memory_pool();
    std::lock_guard lock(mutex_);
    auto found = pools_.find(id);
    S2S_CHECK(found != pools_.end() && !found->second.released, "allocation of ", bytes,
              " bytes in memory pool ", id, ", which ",
              found == pools_.end() ? "this allocator never created" : "was released",
              " (a MemoryPoolScope outlived its pool?)");
    Pool& pool = found->second;
    ++stats_.allocations;
    void* p = nullptr;
    auto bin = pool.bins.find(cls);
    if (bin != pool.bins.end() && !bin->second.empty()) {
      p = bin->second.back();
      bin->second.pop_back();
      pool.bytes_cached -= cls;
      stats_.bytes_cached -= cls;
      ++stats_.cache_hits;
    } else {
      p = raw_alloc_(cls);
      ++stats_.raw_allocations;
      if (p == nullptr && pools_.at(0).bytes_cached > 0) {  // out of memory: give the default cache back, retry
        free_cached_locked(pools_.at(0));
        p = raw_alloc_(cls);
        ++stats_.raw_allocations;
      }
      S2S_CHECK(p != nullptr, "device out of memory allocating ", bytes, " bytes (size class ",
                cls, id != 0 ? " in a private pool" : "", "); in use ", stats_.bytes_in_use,
                " bytes, peak ", stats_.peak_bytes_in_use, ", cached in private pools ",
                stats_.bytes_cached - pools_.at(0).bytes_cached);
    }
    live_.emplace(p, Block{cls, id});
    ++pool.live_blocks;
    pool.bytes_in_use += cls;
    stats_.bytes_in_use += cls;
    stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
    stats_.bytes_reserved = stats_.bytes_in_use + stats_.bytes_cached;
    return p;
  }

  // `bytes` must be what was requested for p (checked against its size class). The block goes
  // back to the pool it came from (whichever pool is current); to the driver if that pool was
  // released.
  void deallocate(void* p, std::size_t bytes) {
    if (p == nullptr) return;
    std::lock_guard lock(mutex_);
    auto it = live_.find(p);
    S2S_CHECK(it != live_.end(), "deallocate of a pointer this allocator did not hand out, or freed twice");
    S2S_CHECK(it->second.cls == size_class(bytes), "deallocate of ", bytes, " bytes for a block of size class ",
              it->second.cls);
    const Block block = it->second;
    live_.erase(it);
    auto found = pools_.find(block.pool);
    Pool& pool = found->second;  // a pool with live blocks is never erased
    --pool.live_blocks;
    pool.bytes_in_use -= block.cls;
    stats_.bytes_in_use -= block.cls;
    if (pool.released) {
      raw_free_(p);
      ++stats_.raw_frees;
      if (pool.live_blocks == 0) pools_.erase(found);
    } else {
      pool.bins[block.cls].push_back(p);
      pool.bytes_cached += block.cls;
      stats_.bytes_cached += block.cls;
    }
    stats_.bytes_reserved = stats_.bytes_in_use + stats_.bytes_cached;
  }

  // A new private pool (ids are never reused).
  MemoryPoolId create_pool() {
    std::lock_guard lock(mutex_);
    const MemoryPoolId id = next_pool_++;
    pools_.emplace(id, Pool{});
    return id;
  }

  // Gives the pool's cached blocks back to the driver now and its live blocks when they are
  // freed; the id is invalid from now on (allocating in it throws). Not the default pool.
  void release_pool(MemoryPoolId id) {
    std::lock_guard lock(mutex_);
    S2S_CHECK(id != 0, "release_memory_pool(0): the default pool cannot be released");
    auto found = pools_.find(id);
    S2S_CHECK(found != pools_.end() && !found->second.released, "release_memory_pool(", id, "): no such pool",
              found == pools_.end() ? "" : " (already released)");
    free_cached_locked(found->second);
    if (found->second.live_blocks == 0) pools_.erase(found);
    else found->second.released = true;
  }

  // True for the default pool and for created pools not yet released.
  bool has_pool(MemoryPoolId id) const {
    std::lock_guard lock(mutex_);
    auto found = pools_.find(id);
    return found != pools_.end() && !found->second.released;
  }

  // Returns the default pool's cached blocks to the driver (private pools keep theirs).
  void empty_cache() {
    std::lock_guard lock(mutex_);
    free_cached_locked(pools_.at(0));
  }

  AllocatorStats stats() const {
    std::lock_guard lock(mutex_);
    AllocatorStats s = stats_;
    for (const auto& [id, pool] : pools_) {
      if (id == 0) continue;
      ++s.private_pools;
      s.private_pool_bytes += pool.bytes_in_use + pool.bytes_cached;
    }
    return s;
  }

 private:
  struct Pool {
    std::unordered_map<std::size_t, std::vector<void*>> bins;  // size class -> free blocks
    std::size_t bytes_in_use = 0, bytes_cached = 0, live_blocks = 0;
    bool released = false;  // kept only until its last live block is freed
  };
  struct Block {
    std::size_t cls;
    MemoryPoolId pool;
  };

  void free_cached_locked(Pool& pool) {
    for (auto& [cls, blocks] : pool.bins) {
      for (void* p : blocks) {
        raw_free_(p);
        ++stats_.raw_frees;
      }
      pool.bytes_cached -= cls * blocks.size();
      stats_.bytes_cached -= cls * blocks.size();
      blocks.clear();
    }
    stats_.bytes_reserved = stats_.bytes_in_use + stats_.bytes_cached;
  }

  RawAlloc raw_alloc_;
  RawFree raw_free_;
  mutable std::mutex mutex_;
  std::unordered_map<MemoryPoolId, Pool> pools_;  // 0: the default pool, always present
  std::unordered_map<void*, Block> live_;         // handed-out block -> size class and pool
  MemoryPoolId next_pool_ = 1;
  AllocatorStats stats_;
};

// The Device::CUDA allocator installed by initialize(): CachingPool over cudaMalloc/cudaFree;
// copies and fills run on the context's stream. copy_to_host synchronises (the host reads the data
// next). copy_from_host of up to staging_limit() bytes copies the host bytes into a pinned
// staging ring and queues the upload from there without waiting (the caller may reuse its buffer
// at once); larger copies synchronise. Both throw during stream capture (a CUDA graph being
// recorded), where they could not work; device copies and fills are captured like kernels.
class CudaCachingAllocator final : public DeviceAllocator {
 public:
  // `staging_bytes`: capacity of the pinned ring (0: no staging, every upload synchronises);
  // by default S2S_STAGING_BYTES from the environment, else kDefaultStagingBytes.
  static constexpr std::size_t kDefaultStagingBytes = std::size_t{64} << 20;
  static std::size_t staging_bytes_from_env();

  explicit CudaCachingAllocator(std::size_t staging_bytes = staging_bytes_from_env());
  ~CudaCachingAllocator() override;
  CudaCachingAllocator(const CudaCachingAllocator&) = delete;
  CudaCachingAllocator& operator=(const CudaCachingAllocator&) = delete;

  void* allocate(std::size_t bytes) override;
  void deallocate(void* p, std::size_t bytes) override;
  void copy_to_host(void* host, const void* dev, std::size_t bytes) override;
  void copy_from_host(void* dev, const void* host, std::size_t bytes) override;
  void copy_on_device(void* dst, const void* src, std::size_t bytes) override;
  void fill_zero(void* dev, std::size_t bytes) override;

  void empty_cache();  // the default pool's cached blocks, and frees deferred during a capture
  AllocatorStats stats() const { return pool_.stats(); }
  MemoryPoolId create_pool() { return pool_.create_pool(); }
  void release_pool(MemoryPoolId id) { pool_.release_pool(id); }
  bool has_pool(MemoryPoolId id) const { return pool_.has_pool(id); }

  TransferStats transfer_stats() const;
  void reset_transfer_stats();
  std::size_t staging_capacity() const { return staging_bytes_; }
  std::size_t staging_limit() const { return staging_bytes_ / 4; }  // larger uploads synchronise

 private:
  struct Staging;  // the pinned ring and its events (allocator.cpp), created on the first upload

  void copy_from_host_sync(void* dev, const void* host, std::size_t bytes);
  void raw_free(void* p);  // cudaFree, deferred while the stream is being captured
  void free_deferred_locked();

  std::mutex deferred_mutex_;           // declared before pool_: the pool's destructor uses them
  std::vector<void*> deferred_frees_;  // raw frees asked for during a capture
  CachingPool pool_;
  std::size_t staging_bytes_;
  std::mutex staging_mutex_;
  std::unique_ptr<Staging> staging_;
  bool staging_failed_ = false;  // cudaMallocHost failed once: every upload synchronises
  std::atomic<std::uint64_t> h2d_copies_{0}, h2d_bytes_{0}, h2d_staged_{0}, h2d_synchronous_{0},
      d2h_copies_{0}, d2h_bytes_{0};
};

}  // namespace s2s::cuda
