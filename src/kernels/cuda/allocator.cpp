// Owns: the CUDA side of the caching allocator (cudaMalloc/cudaFree under CachingPool, copies and
// fills on the context's stream, uploads staged through a pinned StagingRing, transfer counts,
// the refusal of host copies during stream capture), the private-pool and transfer-statistics
// entry points of cuda_runtime_api.h, stream_is_capturing(), and PinnedBuffer.
//
// Why staged uploads are safe without synchronising:
// - the host bytes are memcpy'd into the ring before copy_from_host returns, so the caller may
//   overwrite or free its buffer at once (the device copy reads only the pinned ring);
// - a ring region is handed out again only after the event recorded behind its copy has
//   completed (StagingRing waits for or queries it), so a queued copy never sees its source
//   overwritten;
// - the destination is ordered on the one stream like any kernel: kernels queued later see the
//   data, and a block freed and reused is written only after the copy (cuda_context.h).
#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "s2s/core/cuda_check.h"
#include "s2s/core/environment.h"
#include "s2s/kernels/cuda_allocator.h"
#include "s2s/kernels/cuda_context.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/staging_ring.h"

namespace s2s::cuda {
namespace {
constexpr std::size_t kStagingAlignment = 256;

cudaStream_t ctx_stream() { return static_cast<cudaStream_t>(context().stream()); }

// cudaMalloc is one of the "potentially unsafe" calls that invalidate a capture made in the
// global or thread-local mode; during a capture it runs with this thread's mode relaxed, which is
// fine because a block is never given back to the driver while a graph may still use it (private
// pools, deferred frees). The graph then keeps that address; a replay does not allocate again.
void* raw_device_alloc(std::size_t bytes) {
  const bool capturing = stream_is_capturing();
  cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
  if (capturing) S2S_CUDA_CHECK(cudaThreadExchangeStreamCaptureMode(&mode));
  void* p = nullptr;
  const cudaError_t rc = cudaMalloc(&p, bytes);
  if (capturing) S2S_CUDA_CHECK(cudaThreadExchangeStreamCaptureMode(&mode));  // restores the mode
  if (rc == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // out of memory is not sticky: clear it so the pool can retry
    // No retry during a capture: giving the cache back (cudaFree) would synchronise the device.
    S2S_CHECK(!capturing, "device out of memory allocating ", bytes,
              " bytes during CUDA graph capture (the cache is not given back during a capture)");
    return nullptr;
  }
  S2S_CUDA_CHECK(rc);
  return p;
}

CudaCachingAllocator& installed(const char* what) {
  auto* a = dynamic_cast<CudaCachingAllocator*>(device_allocator(Device::CUDA));
  S2S_CHECK(a != nullptr, "s2s::cuda::", what, ": the CUDA backend is not initialised");
  return *a;
}
}  // namespace

// The pinned ring and the events that fence its regions (tokens are indices into `events`;
// an event is reused once the ring has retired its token).
struct CudaCachingAllocator::Staging {
  void* host = nullptr;  // cudaMallocHost, `bytes` long
  std::vector<cudaEvent_t> events;
  std::vector<StagingRing::Token> free_events;
  std::unique_ptr<StagingRing> ring;

  StagingRing::Token record() {
    if (free_events.empty()) {
      cudaEvent_t e = nullptr;
      S2S_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
      events.push_back(e);
      free_events.push_back(events.size() - 1);
    }
    const StagingRing::Token t = free_events.back();
    S2S_CUDA_CHECK(cudaEventRecord(events[t], ctx_stream()));
    free_events.pop_back();
    return t;
  }
  void wait(StagingRing::Token t) {
    S2S_CUDA_CHECK(cudaEventSynchronize(events[t]));
    free_events.push_back(t);
  }
  bool query(StagingRing::Token t) {
    const cudaError_t rc = cudaEventQuery(events[t]);
    if (rc == cudaErrorNotReady) {
      cudaGetLastError();  // "not ready" is a status, not an error: do not leave it behind
      return false;
    }
    S2S_CUDA_CHECK(rc);
    free_events.push_back(t);
    return true;
  }

  ~Staging() {  // the owner has drained the ring (or the context is gone); no checks possible
    for (cudaEvent_t e : events) cudaEventDestroy(e);
    if (host != nullptr) cudaFreeHost(host);
  }
};

std::size_t CudaCachingAllocator::staging_bytes_from_env() {
  const char* env = env_value("S2S_STAGING_BYTES");
  if (env == nullptr || *env == '\0') return kDefaultStagingBytes;
  return parse_byte_count(env, "S2S_STAGING_BYTES");
}

CudaCachingAllocator::CudaCachingAllocator(std::size_t staging_bytes)
    : pool_(raw_device_alloc, [this](void* p) { raw_free(p); }), staging_bytes_(staging_bytes) {}

CudaCachingAllocator::~CudaCachingAllocator() {
  if (staging_ != nullptr) {
    try {
      staging_->ring->drain();  // no copy may still read the ring when it is freed
    } catch (...) {
    }
  }
  std::lock_guard lock(deferred_mutex_);
  for (void* p : deferred_frees_) cudaFree(p);  // no check: nothing useful to do in a destructor
  deferred_frees_.clear();  // pool_'s destructor (after this body) frees through raw_free()
}

// cudaFree synchronises the device, which a capture in progress does not allow: a block given
// back during a capture (the last live block of a released pool) is freed after it.
void CudaCachingAllocator::raw_free(void* p) {
  std::lock_guard lock(deferred_mutex_);
  if (stream_is_capturing()) {
    deferred_frees_.push_back(p);
    return;
  }
  free_deferred_locked();
  S2S_CUDA_CHECK(cudaFree(p));
}

void CudaCachingAllocator::free_deferred_locked() {
  while (!deferred_frees_.empty()) {
    S2S_CUDA_CHECK(cudaFree(deferred_frees_.back()));
    deferred_frees_.pop_back();
  }
}

void CudaCachingAllocator::empty_cache() {
  pool_.empty_cache();
  std::lock_guard lock(deferred_mutex_);
  if (!stream_is_capturing()) free_deferred_locked();
}

void* CudaCachingAllocator::allocate(std::size_t bytes) {
  context();  // makes the context's device current on this thread before cudaMalloc
  return pool_.allocate(bytes);
}

// No synchronisation: everything that may still use p is queued on the one stream before any
// kernel that will get p again (see cuda_context.h).
void CudaCachingAllocator::deallocate(void* p, std::size_t bytes) { pool_.deallocate(p, bytes); }

void CudaCachingAllocator::copy_to_host(void* host, const void* dev, std::size_t bytes) {
  if (bytes == 0) return;
  S2S_CHECK(!stream_is_capturing(), "device-to-host copy of ", bytes,
            " bytes during CUDA graph capture: a captured step must not read device values on the host");
  S2S_CUDA_CHECK(cudaMemcpyAsync(host, dev, bytes, cudaMemcpyDeviceToHost, ctx_stream()));
  context().synchronize();  // the host reads the data next; also surfaces kernel index errors
  d2h_copies_.fetch_add(1, std::memory_order_relaxed);
  d2h_bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

void CudaCachingAllocator::copy_from_host(void* dev, const void* host, std::size_t bytes) {
  if (bytes == 0) return;
  S2S_CHECK(!stream_is_capturing(), "host-to-device copy of ", bytes,
            " bytes during CUDA graph capture: per-step inputs must be uploaded before the graph is replayed");
  if (bytes <= staging_limit()) {
    std::lock_guard lock(staging_mutex_);
    if (!staging_failed_ && staging_ == nullptr) {
      auto st = std::make_unique<Staging>();
      const cudaError_t rc = cudaMallocHost(&st->host, staging_bytes_);
      if (rc == cudaErrorMemoryAllocation) {
        cudaGetLastError();  // not sticky; without pinned memory every upload synchronises
        st->host = nullptr;
        staging_failed_ = true;
      } else {
        S2S_CUDA_CHECK(rc);
        Staging* raw = st.get();
        st->ring = std::make_unique<StagingRing>(
            st->host, staging_bytes_, kStagingAlignment,
            StagingRing::Fences{[raw] { return raw->record(); }, [raw](StagingRing::Token t) { raw->wait(t); },
                                [raw](StagingRing::Token t) { return raw->query(t); }});
        staging_ = std::move(st);
      }
    }
    if (staging_ != nullptr) {
      if (void* slot = staging_->ring->acquire(bytes); slot != nullptr) {
        std::memcpy(slot, host, bytes);
        S2S_CUDA_CHECK(cudaMemcpyAsync(dev, slot, bytes, cudaMemcpyHostToDevice, ctx_stream()));
        try {
          staging_->ring->commit();
        } catch (...) {
          // No fence covers the region: make sure the copy is done before it is handed out again.
          cudaStreamSynchronize(ctx_stream());
          throw;
        }
        h2d_copies_.fetch_add(1, std::memory_order_relaxed);
        h2d_bytes_.fetch_add(bytes, std::memory_order_relaxed);
        h2d_staged_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
  }
  copy_from_host_sync(dev, host, bytes);
}

// From the caller's (pageable) memory: the copy must be complete before the caller may reuse it.
void CudaCachingAllocator::copy_from_host_sync(void* dev, const void* host, std::size_t bytes) {
  S2S_CUDA_CHECK(cudaMemcpyAsync(dev, host, bytes, cudaMemcpyHostToDevice, ctx_stream()));
  S2S_CUDA_CHECK(cudaStreamSynchronize(ctx_stream()));
  h2d_copies_.fetch_add(1, std::memory_order_relaxed);
  h2d_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  h2d_synchronous_.fetch_add(1, std::memory_order_relaxed);
}

void CudaCachingAllocator::copy_on_device(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  S2S_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, ctx_stream()));
}

void CudaCachingAllocator::fill_zero(void* dev, std::size_t bytes) {
  if (bytes == 0) return;
  S2S_CUDA_CHECK(cudaMemsetAsync(dev, 0, bytes, ctx_stream()));
}

TransferStats CudaCachingAllocator::transfer_stats() const {
  TransferStats s;
  s.h2d_copies = h2d_copies_.load(std::memory_order_relaxed);
  s.h2d_bytes = h2d_bytes_.load(std::memory_order_relaxed);
  s.h2d_staged = h2d_staged_.load(std::memory_order_relaxed);
  s.h2d_synchronous = h2d_synchronous_.load(std::memory_order_relaxed);
  s.d2h_copies = d2h_copies_.load(std::memory_order_relaxed);
  s.d2h_bytes = d2h_bytes_.load(std::memory_order_relaxed);
  return s;
}

void CudaCachingAllocator::reset_transfer_stats() {
  for (auto* c : {&h2d_copies_, &h2d_bytes_, &h2d_staged_, &h2d_synchronous_, &d2h_copies_, &d2h_bytes_})
    c->store(0, std::memory_order_relaxed);
}

// ---- entry points of cuda_runtime_api.h ------------------------------------------------------------
TransferStats transfer_stats() { return installed("transfer_stats").transfer_stats(); }
std::size_t staging_bytes() { return installed("staging_bytes").staging_capacity(); }
void reset_transfer_stats() { installed("reset_transfer_stats").reset_transfer_stats(); }

MemoryPoolId create_memory_pool() { return installed("create_memory_pool").create_pool(); }
void release_memory_pool(MemoryPoolId id) { installed("release_memory_pool").release_pool(id); }

MemoryPoolScope::MemoryPoolScope(MemoryPoolId id) : previous_(thread_memory_pool()) {
  S2S_CHECK(installed("MemoryPoolScope").has_pool(id), "MemoryPoolScope(", id,
            "): no such memory pool (never created, or released)");
  thread_memory_pool() = id;
}
MemoryPoolScope::~MemoryPoolScope() { thread_memory_pool() = previous_; }

bool stream_is_capturing() {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  S2S_CUDA_CHECK(cudaStreamIsCapturing(ctx_stream(), &status));
  return status != cudaStreamCaptureStatusNone;  // Active, or Invalidated until the capture ends
}

PinnedBuffer::PinnedBuffer(std::size_t bytes) : bytes_(bytes) {
  if (bytes > 0) S2S_CUDA_CHECK(cudaMallocHost(&data_, bytes));
}

PinnedBuffer::~PinnedBuffer() {
  if (data_ != nullptr) cudaFreeHost(data_);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) cudaFreeHost(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void PinnedBuffer::upload_async(void* device_dst, std::size_t bytes) const {
  S2S_CHECK(bytes <= bytes_, "PinnedBuffer::upload_async: ", bytes, " bytes from a buffer of ", bytes_);
  if (bytes == 0) return;
  S2S_CUDA_CHECK(cudaMemcpyAsync(device_dst, data_, bytes, cudaMemcpyHostToDevice, ctx_stream()));
}

void PinnedBuffer::download_async(const void* device_src, std::size_t bytes) {
  S2S_CHECK(bytes <= bytes_, "PinnedBuffer::download_async: ", bytes, " bytes into a buffer of ", bytes_);
  if (bytes == 0) return;
  S2S_CUDA_CHECK(cudaMemcpyAsync(data_, device_src, bytes, cudaMemcpyDeviceToHost, ctx_stream()));
}

}  // namespace s2s::cuda
