#pragma once
// Owns: the gradient-clipping scale applied on the device, so clip_by_global_norm needs no host
// read of the norm (train/clip.h has the formula and its TF notes). The norm² comes from
// global_sum_squares written into device memory; every element computes the same scale from it:
//   n = T(sqrt(double(norm_sq))),  s = max_norm * min(1/n, 1/max_norm)  (in T),  NaN when n is
//   not finite;  g[i] *= s.
// The CPU loop and the CUDA kernel evaluate the scale with the same expression, so they agree
// bit for bit on float32.
#include <cstdint>

#include "s2s/core/tensor.h"

namespace s2s::cpu {
// g [n]; norm_sq: one element (host memory).
template <class T> void scale_by_global_norm(T* g, std::int64_t n, const T* norm_sq, T max_norm);
}  // namespace s2s::cpu

namespace s2s::cuda {
// g [n] and norm_sq (one element) in device memory.
void scale_by_global_norm(float* g, std::int64_t n, const float* norm_sq, float max_norm);
}  // namespace s2s::cuda

namespace s2s::kern {
// g *= the clip scale of `norm_sq` (one element, g's dtype and device); max_norm > 0.
void scale_by_global_norm(Tensor& g, const Tensor& norm_sq, double max_norm);
}  // namespace s2s::kern
