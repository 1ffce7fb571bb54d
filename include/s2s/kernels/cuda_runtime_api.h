#pragma once
// Owns: the host-side entry points of the CUDA backend that every build can call: device
// discovery, initialisation (context + caching allocator installed as the Device::CUDA
// allocator), synchronisation, allocator and transfer statistics, private memory pools, stream
// capture state, and pinned host buffers.
// In a build without CUDA these are defined by src/kernels/cuda_runtime_stub.cpp: device_count()
// returns 0 with the reason "built without CUDA", stream_is_capturing() false, everything else
// throws s2s::Error.
// CUDA-header-free so it compiles in CPU-only builds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "s2s/kernels/cuda_allocator.h"

namespace s2s::cuda {

// Number of usable CUDA devices; 0 (never a throw) when the build has no CUDA, the driver is
// missing or too old, or no device is visible. `reason`, when given, receives why it is 0.
int device_count(std::string* reason = nullptr);

// The device's UUID as nvidia-smi prints it ("GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"): the same
// physical GPU has the same UUID in every process, whatever CUDA_VISIBLE_DEVICES renumbers.
std::string device_uuid(int device);

// Makes `device` current, creates the context (stream, cuBLAS handle) and installs the caching
// allocator with set_device_allocator(Device::CUDA, ...). Calling it again with the same device
// is a no-op; with another device it throws (one device per process).
void initialize(int device);
bool initialized();
// Frees the cached blocks, destroys the context and uninstalls the allocator. Tensors on the
// device must all be gone before this is called.
void shutdown();

// Waits for the context's stream, then throws if a kernel reported an invalid index.
void synchronize();

AllocatorStats allocator_stats();
void empty_cache();  // returns the default pool's cached (free) blocks to the driver

// Host<->device copies made through the caching allocator (TransferStats: cuda_allocator.h),
// counted since initialize() or the last reset_transfer_stats().
TransferStats transfer_stats();
void reset_transfer_stats();
// Capacity of the pinned ring that uploads are staged through (S2S_STAGING_BYTES, default 64 MiB;
// 0: none). Uploads of up to a quarter of it return without waiting; larger ones synchronise.
std::size_t staging_bytes();

// Private pools of the caching allocator (for CUDA graphs: the blocks a captured graph uses must
// not be handed to anything else between replays, nor given back by empty_cache()).
using MemoryPoolId = std::uint64_t;  // 0 is the default pool
MemoryPoolId create_memory_pool();
// Frees the pool's cached (free) blocks; blocks of it that are still live are given back to the
// driver when they are freed later. The id is then invalid. The default pool cannot be released.
void release_memory_pool(MemoryPoolId id);
// While it lives, allocations made BY THIS THREAD come from `id` (nested scopes restore the
// previous pool). A block always returns to the pool it came from, whichever pool is current.
class MemoryPoolScope {
 public:
  explicit MemoryPoolScope(MemoryPoolId id);
  ~MemoryPoolScope();
  MemoryPoolScope(const MemoryPoolScope&) = delete;
  MemoryPoolScope& operator=(const MemoryPoolScope&) = delete;

 private:
  MemoryPoolId previous_;
};

// True while the context's stream is being captured into a CUDA graph (cudaStreamIsCapturing).
// Also true for a capture already invalidated, until it is ended. False in a build without CUDA;
// throws if the backend is not initialised.
bool stream_is_capturing();

// A page-locked host buffer (cudaMallocHost), for fast and asynchronous host<->device copies.
// Move-only; the memory is freed with the buffer.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(std::size_t bytes);
  ~PinnedBuffer();
  PinnedBuffer(PinnedBuffer&& other) noexcept;
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  template <class T> T* as() { return static_cast<T*>(data_); }
  std::size_t bytes() const { return bytes_; }

  // Copies queued on the context's stream; the buffer must stay alive and untouched until a
  // later synchronize(). `bytes` must not exceed bytes().
  void upload_async(void* device_dst, std::size_t bytes) const;
  void download_async(const void* device_src, std::size_t bytes);

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace s2s::cuda
