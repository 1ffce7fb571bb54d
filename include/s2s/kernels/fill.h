#pragma once
// Owns: the device fill (every element = one value) and its Tensor-level entry kern::fill. Why:
// constants inside a training step (the backward seed 1, the ones of a row sum or a broadcast, the
// c of x + c) were built on the host and uploaded; filling them where they live keeps a step free
// of host-to-device copies, so it can be captured into a CUDA graph.
#include <cstdint>

#include "s2s/core/tensor.h"

namespace s2s::cpu {
template <class T> void fill(T* y, T value, std::int64_t n);  // y [N] = value
}  // namespace s2s::cpu

namespace s2s::cuda {
void fill(float* y, float value, std::int64_t n);
}  // namespace s2s::cuda

namespace s2s::kern {
// Every element of a float tensor (any shape, either device) = value rounded to its dtype
// (src/kernels/fill_dispatch.cpp).
void fill(Tensor& t, double value);
}  // namespace s2s::kern
