#pragma once
// Owns: what the kernel files share: the context's stream and handle, grid math, the
// deterministic block reduction, and the device side of the error record (device_error.h).
// Every op follows three layers (docs/cuda.md): a file-local __global__ kernel, a file-local
// launcher that only computes the grid, launches on the context's stream and calls
// S2S_CUDA_LAUNCH_CHECK(), and the public s2s::cuda entry that validates its arguments.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include "device_error.h"
#include "s2s/core/cuda_check.h"
#include "s2s/core/tensor.h"
#include "s2s/kernels/cuda_context.h"

namespace s2s::cuda::detail {

constexpr int kBlock = 256;           // threads per block of the flat (elementwise) kernels
constexpr std::int64_t kMaxGrid = 65535LL * 32;  // flat kernels use grid-stride loops past this

inline cudaStream_t stream() { return static_cast<cudaStream_t>(context().stream()); }
inline DeviceError* device_error() { return context().device_error(); }

// Blocks for n elements, one per thread, capped (the kernels loop with a grid stride). n > 0.
inline unsigned flat_grid(std::int64_t n, int block = kBlock) {
  return static_cast<unsigned>(std::min<std::int64_t>((n + block - 1) / block, kMaxGrid));
}

// Threads of a one-block-per-row kernel: a multiple of 32, a function of cols only (so the
// reduction tree, and therefore the rounding, is the same on every run and device).
inline int row_block(std::int64_t cols) {
  if (cols >= 4096) return 1024;
  const std::int64_t warps = std::clamp<std::int64_t>((cols + 31) / 32, 1, 8);
  return static_cast<int>(warps * 32);
}

// Grid-stride loop over [0, n) with 64-bit indices.
#define S2S_GRID_STRIDE(i, n)                                                              \
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < (n);      \
       i += std::int64_t{gridDim.x} * blockDim.x)

// Reduction of one value per thread over the block with a fixed tree (warp shuffles, then the
// warp results in warp 0), so the result is bitwise reproducible for a given blockDim. blockDim.x
// must be a multiple of 32. Every thread gets the result.
template <class T, class Op>
__device__ T block_reduce(T v, Op op, T identity) {
  __shared__ T partial[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, offset));
  __syncthreads();  // an earlier call may still be reading partial[0]
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < warps ? partial[lane] : identity;
    for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, offset));
    if (lane == 0) partial[0] = v;
  }
  __syncthreads();
  return partial[0];
}

struct SumOp {
  template <class T> __device__ T operator()(T a, T b) const { return a + b; }
};
// A NaN in a softmax row makes the whole row NaN through the sum of exponentials whatever the
// max returns, as on the CPU, so the max need not order NaNs.
struct MaxOp {
  __device__ float operator()(float a, float b) const { return b > a ? b : a; }
};

// Records the first invalid index (see device_error.h); later reports are dropped.
__device__ inline void report_bad_index(DeviceError* e, int op, long long position, long long value,
                                        long long limit) {
  if (atomicCAS(&e->claimed, 0, 1) == 0) {
    e->op = op;
    e->position = position;
    e->value = value;
    e->limit = limit;
    __threadfence_system();
  }
}

// Device scratch from the installed caching allocator, returned when the scope ends. Returning it
// right after queueing the kernels that use it is safe: everything runs on the one stream.
class Scratch {
 public:
  explicit Scratch(std::size_t bytes) : alloc_(device_allocator(Device::CUDA)), bytes_(bytes) {
    S2S_CHECK(alloc_ != nullptr, "no CUDA allocator installed (call s2s::cuda::initialize)");
    ptr_ = alloc_->allocate(bytes);
  }
  ~Scratch() { alloc_->deallocate(ptr_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T> T* as() { return static_cast<T*>(ptr_); }

 private:
  DeviceAllocator* alloc_;
  std::size_t bytes_;
  void* ptr_ = nullptr;
};

// Argument checks shared by the public entries.
inline void check_size(const char* op, const char* what, std::int64_t v) {
  S2S_CHECK(v >= 0, op, ": ", what, " must be >= 0, got ", v);
}
inline void check_ptr(const char* op, const char* what, const void* p, std::int64_t n) {
  S2S_CHECK(n == 0 || p != nullptr, op, ": ", what, " is null for ", n, " elements");
}
inline void check_int(const char* op, const char* what, std::int64_t v) {
  S2S_CHECK(v <= INT_MAX, op, ": ", what, " = ", v, " exceeds the 32-bit limit of this kernel");
}

}  // namespace s2s::cuda::detail
