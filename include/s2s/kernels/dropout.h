#pragma once
// Owns: the dropout mask kernel (spec §1.9, nn/dropout_wrapper.h): an [R, C] mask drawn on the
// device that holds the value, so a training step uploads no mask (and can be captured into a
// CUDA graph). Element (r, c):
//     stream = (base[0] + offset) * kDropoutTensorsPerCall + which          (mod 2^64)
//     idx    = variational ? c : r * C + c
//     u      = philox_uniform_float(philox_u32_at(seed, stream, idx))       (core/philox.h)
//     mask   = T(floor(keep + u) / keep)                                    (in double, then rounded)
// i.e. 0 or 1/keep with P(1/keep) = keep; variational masks depend only on the column (one [1, C]
// mask broadcast over the batch). This is bit for bit the mask the host code of the wrapper drew
// before the kernel existed, so checkpointed counters keep their meaning.
// Why base + offset: the call counter must not be baked into the kernel's arguments when the step
// is replayed from a CUDA graph. base (int64 [1]) lives in the mask's memory space and holds the
// counter at the start of the step (rewritten before each replay); offset is the host-known number
// of counter steps since then, the same at every replay of one step shape. Does not own the
// counter itself (DropoutWrapper does).
#include <cstdint>

#include "s2s/core/tensor.h"

namespace s2s {
// Streams per counter value: one per dropped tensor of a call (input, output, state leaves).
inline constexpr std::uint64_t kDropoutTensorsPerCall = 4096;
}  // namespace s2s

namespace s2s::cpu {
// mask [R, C]; base [1] (host memory here); keep in [0, 1] (keep = 0 gives NaN, as 0/0).
template <class T>
void dropout_mask(T* mask, const std::int64_t* base, std::uint64_t offset, std::uint64_t seed, std::uint64_t which,
                  double keep, std::int64_t rows, std::int64_t cols, bool variational);
}  // namespace s2s::cpu

namespace s2s::cuda {
// mask [R, C] and base [1] in device memory; the same values as the CPU kernel, bit for bit.
void dropout_mask(float* mask, const std::int64_t* base, std::uint64_t offset, std::uint64_t seed, std::uint64_t which,
                  double keep, std::int64_t rows, std::int64_t cols, bool variational);
}  // namespace s2s::cuda

namespace s2s::kern {
// mask: 2-D float tensor; base: int64 [1] on the mask's device (src/kernels/dropout_dispatch.cpp).
void dropout_mask(Tensor& mask, const Tensor& base, std::uint64_t offset, std::uint64_t seed, std::uint64_t which,
                  double keep, bool variational);
}  // namespace s2s::kern
