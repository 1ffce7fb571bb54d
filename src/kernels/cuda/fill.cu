// Owns: the CUDA kernel of fill.h (mirrors src/kernels/cpu/fill.cpp): flat, grid-stride, on the
// context's stream (so it is ordered with the kernels around it and can be captured in a graph).
#include "launch.cuh"
#include "s2s/kernels/fill.h"

namespace s2s::cuda {
namespace {

// y [N]
__global__ void fill_kernel(float* y, float value, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) y[i] = value;
}

void launch_fill(float* y, float value, std::int64_t n) {
  fill_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(y, value, n);
  S2S_CUDA_LAUNCH_CHECK();
}

}  // namespace

void fill(float* y, float value, std::int64_t n) {
  detail::check_size("fill", "n", n);
  detail::check_ptr("fill", "y", y, n);
  if (n > 0) launch_fill(y, value, n);
}

}  // namespace s2s::cuda
