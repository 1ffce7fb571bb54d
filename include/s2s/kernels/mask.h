#pragma once
// Owns: the attention padding mask kernel (s2s extension, spec §11.6 / nn::mask_padding): column
// `position` of an [B, L] mask from one time step's encoder ids,
//     mask[b, position] = ids[b] == pad_id ? 0 : 1.
// Why a kernel: the mask was built on the host from ids read back from the device, a round trip
// per step that also kept such steps out of CUDA graphs. Built where the ids live, the step reads
// nothing back.
#include <cstdint>

#include "s2s/core/tensor.h"

namespace s2s::cpu {
// mask [B, L] (column `position` written, the others untouched); ids int32 [B].
template <class T>
void padding_mask(T* mask, const std::int32_t* ids, std::int64_t batch, std::int64_t length, std::int64_t position,
                  std::int32_t pad_id);
}  // namespace s2s::cpu

namespace s2s::cuda {
void padding_mask(float* mask, const std::int32_t* ids, std::int64_t batch, std::int64_t length,
                  std::int64_t position, std::int32_t pad_id);
}  // namespace s2s::cuda

namespace s2s::kern {
// mask: float [B, L]; ids: int32 [B] on the mask's device; 0 <= position < L
// (src/kernels/mask_dispatch.cpp).
void padding_mask(Tensor& mask, std::int64_t position, const Tensor& ids, std::int32_t pad_id);
}  // namespace s2s::kern
