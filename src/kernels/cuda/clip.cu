// Owns: the CUDA twin of the device-side gradient clip (mirrors src/kernels/cpu/clip.cpp). Each
// thread derives the scale from the norm² in device memory with the CPU's expression (double
// sqrt, then float min/divide/multiply, explicitly rounded so nvcc cannot contract them), so the
// results equal the CPU float32 loop bit for bit.
#include <cmath>

#include "launch.cuh"
#include "s2s/kernels/clip.h"

namespace s2s::cuda {
namespace {

__device__ float clip_scale(const float* norm_sq, float max_norm) {
  const float norm = static_cast<float>(sqrt(static_cast<double>(*norm_sq)));
  if (!isfinite(norm)) return nanf("");
  const float a = __fdiv_rn(1.0f, norm), b = __fdiv_rn(1.0f, max_norm);
  return __fmul_rn(max_norm, b < a ? b : a);  // std::min(a, b) returns a unless b < a
}

// g [N]
__global__ void scale_by_global_norm_kernel(float* g, std::int64_t n, const float* norm_sq, float max_norm) {
  const float s = clip_scale(norm_sq, max_norm);
  S2S_GRID_STRIDE(i, n) g[i] = __fmul_rn(g[i], s);
}

}  // namespace

void scale_by_global_norm(float* g, std::int64_t n, const float* norm_sq, float max_norm) {
  detail::check_size("scale_by_global_norm", "n", n);
  if (n == 0) return;
  detail::check_ptr("scale_by_global_norm", "g", g, n);
  detail::check_ptr("scale_by_global_norm", "norm_sq", norm_sq, 1);
  scale_by_global_norm_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(g, n, norm_sq, max_norm);
  S2S_CUDA_LAUNCH_CHECK();
}

}  // namespace s2s::cuda
