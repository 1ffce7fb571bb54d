// Owns: the CUDA runtime API (cuda_runtime_api.h, and set_gemm_tf32 of gemm.h) in a build without
// CUDA: device_count() reports 0 devices with the reason, everything else throws s2s::Error.
// The kernels themselves have no stubs: tensor_ops.cpp refuses CUDA tensors in such a build, and
// the GPU tests reach the twins through the op registry, whose cuda pointers are then null.
// Compiled only without CUDA (the CUDA build defines S2S_WITH_CUDA and the real versions live in
// src/kernels/cuda/).
#ifndef S2S_WITH_CUDA

#include "s2s/core/error.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/gemm.h"

namespace s2s::cuda {
namespace {
constexpr const char* kNoCuda = "s2s was built without CUDA (configure with -DS2S_WITH_CUDA=ON)";
}

int device_count(std::string* reason) {
  if (reason != nullptr) *reason = "built without CUDA";
  return 0;
}
std::string device_uuid(int device) { S2S_FAIL("s2s::cuda::device_uuid(", device, "): ", kNoCuda); }
void initialize(int device) { S2S_FAIL("s2s::cuda::initialize(", device, "): ", kNoCuda); }
bool initialized() { return false; }
void shutdown() {}
void synchronize() { S2S_FAIL("s2s::cuda::synchronize: ", kNoCuda); }
AllocatorStats allocator_stats() { S2S_FAIL("s2s::cuda::allocator_stats: ", kNoCuda); }
void empty_cache() { S2S_FAIL("s2s::cuda::empty_cache: ", kNoCuda); }
TransferStats transfer_stats() { S2S_FAIL("s2s::cuda::transfer_stats: ", kNoCuda); }
void reset_transfer_stats() { S2S_FAIL("s2s::cuda::reset_transfer_stats: ", kNoCuda); }
std::size_t staging_bytes() { S2S_FAIL("s2s::cuda::staging_bytes: ", kNoCuda); }
MemoryPoolId create_memory_pool() { S2S_FAIL("s2s::cuda::create_memory_pool: ", kNoCuda); }
void release_memory_pool(MemoryPoolId id) { S2S_FAIL("s2s::cuda::release_memory_pool(", id, "): ", kNoCuda); }
MemoryPoolScope::MemoryPoolScope(MemoryPoolId id) : previous_(0) {
  S2S_FAIL("s2s::cuda::MemoryPoolScope(", id, "): ", kNoCuda);
}
MemoryPoolScope::~MemoryPoolScope() = default;
bool stream_is_capturing() { return false; }  // no stream to capture
void set_gemm_tf32(bool) { S2S_FAIL("s2s::cuda::set_gemm_tf32: ", kNoCuda); }

PinnedBuffer::PinnedBuffer(std::size_t) { S2S_FAIL("s2s::cuda::PinnedBuffer: ", kNoCuda); }
PinnedBuffer::~PinnedBuffer() = default;
PinnedBuffer::PinnedBuffer(PinnedBuffer&&) noexcept {}
PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&&) noexcept { return *this; }
void PinnedBuffer::upload_async(void*, std::size_t) const { S2S_FAIL("PinnedBuffer::upload_async: ", kNoCuda); }
void PinnedBuffer::download_async(const void*, std::size_t) { S2S_FAIL("PinnedBuffer::download_async: ", kNoCuda); }

}  // namespace s2s::cuda

#endif  // S2S_WITH_CUDA
