// Owns: the CUDA kernel of dropout.h (mirrors src/kernels/cpu/dropout.cpp): one thread per mask
// element, grid-stride, each drawing its own Philox word with the __host__ __device__ functions of
// core/philox.h and converting it exactly as the CPU does (24-bit float, then floor(keep + u) / keep
// in double: IEEE add and division, floor exact; no FMA can contract across the floor), so the two
// backends agree bit for bit. The counter base is read from device memory at run time, so a CUDA
// graph replays with whatever counter the step's input holds.
// Cost: one Philox4x32-10 block per element (3 of its 4 words unused); for the [B, H] masks of a
// step this is a few microseconds, far below the mask-times-value product that follows.
#include "launch.cuh"
#include "s2s/core/philox.h"
#include "s2s/kernels/dropout.h"

namespace s2s::cuda {
namespace {

// ---- kernel --------------------------------------------------------------------------------------
// mask [R, C]; base [1]
__global__ void dropout_mask_kernel(float* mask, const std::int64_t* base, std::uint64_t offset, std::uint64_t seed,
                                    std::uint64_t which, double keep, std::int64_t cols, std::int64_t n,
                                    bool variational) {
  const std::uint64_t stream = (static_cast<std::uint64_t>(base[0]) + offset) * kDropoutTensorsPerCall + which;
  S2S_GRID_STRIDE(i, n) {
    const std::uint64_t idx = static_cast<std::uint64_t>(variational ? i % cols : i);
    const double u = philox_uniform_float(philox_u32_at(seed, stream, idx));
    mask[i] = static_cast<float>(floor(keep + u) / keep);
  }
}

// ---- launcher ------------------------------------------------------------------------------------
void launch_dropout_mask(float* mask, const std::int64_t* base, std::uint64_t offset, std::uint64_t seed,
                         std::uint64_t which, double keep, std::int64_t cols, std::int64_t n, bool variational) {
  dropout_mask_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(mask, base, offset, seed, which,
                                                                                     keep, cols, n, variational);
  S2S_CUDA_LAUNCH_CHECK();
}

}  // namespace

// ---- public entry --------------------------------------------------------------------------------
void dropout_mask(float* mask, const std::int64_t* base, std::uint64_t offset, std::uint64_t seed, std::uint64_t which,
                  double keep, std::int64_t rows, std::int64_t cols, bool variational) {
  detail::check_size("dropout_mask", "rows", rows);
  detail::check_size("dropout_mask", "cols", cols);
  const std::int64_t n = rows * cols;
  detail::check_ptr("dropout_mask", "mask", mask, n);
  detail::check_ptr("dropout_mask", "base", base, n);
  if (n > 0) launch_dropout_mask(mask, base, offset, seed, which, keep, cols, n, variational);
}

}  // namespace s2s::cuda
