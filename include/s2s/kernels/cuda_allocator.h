#pragma once
// Owns: the caching device allocator. CachingPool is the backend-free part (size-class bins,
// statistics, out-of-memory retry) over a raw allocate/free pair, header-only so it is unit-tested
// on the CPU with a fake backend; CudaCachingAllocator plugs it into cudaMalloc/cudaFree and
// implements s2s::DeviceAllocator (core/tensor.h), with copies and fills ordered on the context's
// stream (cuda_context.h).
// Why a cache: a training step allocates the same sizes in the same order every step (static
// shapes per bucket), and cudaMalloc/cudaFree synchronise the device and cost tens of
// microseconds each; after the first step of each bucket every request is a bin hit.
// Size classes: requests are rounded up to 512 B up to 1 MiB, and above that to a quarter of the
// power of two below them (at most 25 % waste). A freed block is cached in its class's bin and
// handed out again only for a request of the same class; blocks are never split or merged.
// CUDA-header-free so it compiles in CPU-only builds.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/core/tensor.h"

namespace s2s::cuda {

struct AllocatorStats {
  std::size_t bytes_in_use = 0;       // handed out and not yet returned (size-class rounded)
  std::size_t peak_bytes_in_use = 0;  // maximum of bytes_in_use since creation
  std::size_t bytes_cached = 0;       // returned blocks kept for reuse
  std::size_t bytes_reserved = 0;     // bytes_in_use + bytes_cached: what the driver has given us
  std::uint64_t allocations = 0;      // allocate() calls
  std::uint64_t cache_hits = 0;       // allocate() calls served from a bin
  std::uint64_t raw_allocations = 0;  // calls of the raw allocator (cudaMalloc)
  std::uint64_t raw_frees = 0;        // calls of the raw free (cudaFree)
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
      : raw_alloc_(std::move(raw_alloc)), raw_free_(std::move(raw_free)) {}
  ~CachingPool() { empty_cache(); }  // live blocks are the owner's to return first
  CachingPool(const CachingPool&) = delete;
  CachingPool& operator=(const CachingPool&) = delete;

  void* allocate(std::size_t bytes) {
    const std::size_t cls = size_class(bytes);
    std::lock_guard lock(mutex_);
    ++stats_.allocations;
    void* p = nullptr;
    auto bin = bins_.find(cls);
    if (bin != bins_.end() && !bin->second.empty()) {
      p = bin->second.back();
      bin->second.pop_back();
      stats_.bytes_cached -= cls;
      ++stats_.cache_hits;
    } else {
      p = raw_alloc_(cls);
      ++stats_.raw_allocations;
      if (p == nullptr && stats_.bytes_cached > 0) {  // out of memory: give the cache back, retry
        empty_cache_locked();
        p = raw_alloc_(cls);
        ++stats_.raw_allocations;
      }
      S2S_CHECK(p != nullptr, "device out of memory allocating ", bytes, " bytes (size class ",
                cls, "); in use ", stats_.bytes_in_use, " bytes, peak ", stats_.peak_bytes_in_use);
    }
    live_.emplace(p, cls);
    stats_.bytes_in_use += cls;
    stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
    stats_.bytes_reserved = stats_.bytes_in_use + stats_.bytes_cached;
    return p;
  }

  // `bytes` must be what was requested for p (checked against its size class).
  void deallocate(void* p, std::size_t bytes) {
    if (p == nullptr) return;
    std::lock_guard lock(mutex_);
    auto it = live_.find(p);
    S2S_CHECK(it != live_.end(), "deallocate of a pointer this allocator did not hand out, or freed twice");
    S2S_CHECK(it->second == size_class(bytes), "deallocate of ", bytes, " bytes for a block of size class ",
              it->second);
    const std::size_t cls = it->second;
    live_.erase(it);
    bins_[cls].push_back(p);
    stats_.bytes_in_use -= cls;
    stats_.bytes_cached += cls;
    stats_.bytes_reserved = stats_.bytes_in_use + stats_.bytes_cached;
  }

  void empty_cache() {
    std::lock_guard lock(mutex_);
    empty_cache_locked();
  }

  AllocatorStats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  void empty_cache_locked() {
    for (auto& [cls, blocks] : bins_) {
      for (void* p : blocks) {
        raw_free_(p);
        ++stats_.raw_frees;
      }
      stats_.bytes_cached -= cls * blocks.size();
      blocks.clear();
    }
    stats_.bytes_reserved = stats_.bytes_in_use + stats_.bytes_cached;
  }

  RawAlloc raw_alloc_;
  RawFree raw_free_;
  mutable std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> bins_;  // size class -> free blocks
  std::unordered_map<void*, std::size_t> live_;               // handed-out block -> size class
  AllocatorStats stats_;
};

// The Device::CUDA allocator installed by initialize(): CachingPool over cudaMalloc/cudaFree;
// copies and fills run on the context's stream (copies to the host, and from it, synchronise).
class CudaCachingAllocator final : public DeviceAllocator {
 public:
  CudaCachingAllocator();
  void* allocate(std::size_t bytes) override;
  void deallocate(void* p, std::size_t bytes) override;
  void copy_to_host(void* host, const void* dev, std::size_t bytes) override;
  void copy_from_host(void* dev, const void* host, std::size_t bytes) override;
  void copy_on_device(void* dst, const void* src, std::size_t bytes) override;
  void fill_zero(void* dev, std::size_t bytes) override;

  void empty_cache() { pool_.empty_cache(); }
  AllocatorStats stats() const { return pool_.stats(); }

 private:
  CachingPool pool_;
};

}  // namespace s2s::cuda
