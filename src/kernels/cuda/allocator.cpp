// Owns: the CUDA side of the caching allocator (cudaMalloc/cudaFree under CachingPool, copies and
// fills on the context's stream) and PinnedBuffer.
#include <cuda_runtime.h>

#include <utility>

#include "s2s/core/cuda_check.h"
#include "s2s/kernels/cuda_allocator.h"
#include "s2s/kernels/cuda_context.h"
#include "s2s/kernels/cuda_runtime_api.h"

namespace s2s::cuda {
namespace {
cudaStream_t ctx_stream() { return static_cast<cudaStream_t>(context().stream()); }

void* raw_device_alloc(std::size_t bytes) {
  void* p = nullptr;
  const cudaError_t rc = cudaMalloc(&p, bytes);
  if (rc == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // out of memory is not sticky: clear it so the pool can retry
    return nullptr;
  }
  S2S_CUDA_CHECK(rc);
  return p;
}
void raw_device_free(void* p) { S2S_CUDA_CHECK(cudaFree(p)); }
}  // namespace

CudaCachingAllocator::CudaCachingAllocator() : pool_(raw_device_alloc, raw_device_free) {}

void* CudaCachingAllocator::allocate(std::size_t bytes) {
  context();  // makes the context's device current on this thread before cudaMalloc
  return pool_.allocate(bytes);
}

// No synchronisation: everything that may still use p is queued on the one stream before any
// kernel that will get p again (see cuda_context.h).
void CudaCachingAllocator::deallocate(void* p, std::size_t bytes) { pool_.deallocate(p, bytes); }

void CudaCachingAllocator::copy_to_host(void* host, const void* dev, std::size_t bytes) {
  if (bytes == 0) return;
  S2S_CUDA_CHECK(cudaMemcpyAsync(host, dev, bytes, cudaMemcpyDeviceToHost, ctx_stream()));
  context().synchronize();  // the host reads the data next; also surfaces kernel index errors
}

void CudaCachingAllocator::copy_from_host(void* dev, const void* host, std::size_t bytes) {
  if (bytes == 0) return;
  S2S_CUDA_CHECK(cudaMemcpyAsync(dev, host, bytes, cudaMemcpyHostToDevice, ctx_stream()));
  // The caller may overwrite or free `host` as soon as we return (it may be pinned, in which case
  // the copy would still be in flight).
  S2S_CUDA_CHECK(cudaStreamSynchronize(ctx_stream()));
}

void CudaCachingAllocator::copy_on_device(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  S2S_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, ctx_stream()));
}

void CudaCachingAllocator::fill_zero(void* dev, std::size_t bytes) {
  if (bytes == 0) return;
  S2S_CUDA_CHECK(cudaMemsetAsync(dev, 0, bytes, ctx_stream()));
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
