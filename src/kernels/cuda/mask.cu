// Owns: the CUDA kernel of mask.h (mirrors src/kernels/cpu/mask.cpp): one thread per example, on
// the context's stream (ordered with the step, capturable in a graph).
#include "launch.cuh"
#include "s2s/kernels/mask.h"

namespace s2s::cuda {
namespace {

// mask [B, L]: column `position`; ids [B]
__global__ void padding_mask_kernel(float* mask, const std::int32_t* ids, std::int64_t batch, std::int64_t length,
                                    std::int64_t position, std::int32_t pad_id) {
  S2S_GRID_STRIDE(b, batch) mask[b * length + position] = ids[b] == pad_id ? 0.0f : 1.0f;
}

void launch_padding_mask(float* mask, const std::int32_t* ids, std::int64_t batch, std::int64_t length,
                         std::int64_t position, std::int32_t pad_id) {
  padding_mask_kernel<<<detail::flat_grid(batch), detail::kBlock, 0, detail::stream()>>>(mask, ids, batch, length,
                                                                                          position, pad_id);
  S2S_CUDA_LAUNCH_CHECK();
}

}  // namespace

void padding_mask(float* mask, const std::int32_t* ids, std::int64_t batch, std::int64_t length,
                  std::int64_t position, std::int32_t pad_id) {
  detail::check_size("padding_mask", "batch", batch);
  detail::check_size("padding_mask", "length", length);
  S2S_CHECK(batch == 0 || (position >= 0 && position < length), "padding_mask: position ", position,
            " outside [0, ", length, ")");
  detail::check_ptr("padding_mask", "mask", mask, batch * length);
  detail::check_ptr("padding_mask", "ids", ids, batch);
  if (batch > 0) launch_padding_mask(mask, ids, batch, length, position, pad_id);
}

}  // namespace s2s::cuda
