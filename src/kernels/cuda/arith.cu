// Owns: the CUDA kernels of arith.h (mirrors src/kernels/cpu/arith.cpp): division and its backward
// (flat, grid-stride, null gradient outputs skipped) and the transpose (32 x 32 tiles through
// shared memory, so both the reads and the writes are coalesced; the +1 column avoids bank
// conflicts). Exact or correctly rounded like the CPU loops (IEEE division is the default).
#include "launch.cuh"
#include "s2s/kernels/arith.h"

namespace s2s::cuda {
namespace {

constexpr int kTile = 32;
constexpr int kTileRows = 8;  // threadIdx.y extent: each thread moves kTile / kTileRows elements

// ---- kernels -------------------------------------------------------------------------------------
// y, a, b [N]
__global__ void div_kernel(float* y, const float* a, const float* b, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) y[i] = a[i] / b[i];
}

// da, db (each may be null), b, y, dy [N]
__global__ void div_backward_kernel(float* da, float* db, const float* b, const float* y, const float* dy,
                                    std::int64_t n) {
  S2S_GRID_STRIDE(i, n) {
    if (da) da[i] += dy[i] / b[i];
    if (db) db[i] += -dy[i] * y[i] / b[i];
  }
}

// y [C, R] (=|+=) x [R, C]ᵀ; block (kTile, kTileRows), grid (ceil(C / kTile), ceil(R / kTile))
__global__ void transpose_kernel(float* y, const float* x, std::int64_t rows, std::int64_t cols, bool accumulate) {
  __shared__ float tile[kTile][kTile + 1];
  const std::int64_t c0 = std::int64_t{blockIdx.x} * kTile, r0 = std::int64_t{blockIdx.y} * kTile;
  for (int i = threadIdx.y; i < kTile; i += kTileRows) {
    const std::int64_t r = r0 + i, c = c0 + threadIdx.x;
    if (r < rows && c < cols) tile[i][threadIdx.x] = x[r * cols + c];
  }
  __syncthreads();
  for (int i = threadIdx.y; i < kTile; i += kTileRows) {
    const std::int64_t c = c0 + i, r = r0 + threadIdx.x;  // output row c, column r
    if (r < rows && c < cols) {
      float& out = y[c * rows + r];
      out = accumulate ? out + tile[threadIdx.x][i] : tile[threadIdx.x][i];
    }
  }
}

// ---- launchers -----------------------------------------------------------------------------------
void launch_div(float* y, const float* a, const float* b, std::int64_t n) {
  div_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(y, a, b, n);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_div_backward(float* da, float* db, const float* b, const float* y, const float* dy, std::int64_t n) {
  div_backward_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(da, db, b, y, dy, n);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_transpose(float* y, const float* x, std::int64_t rows, std::int64_t cols, bool accumulate) {
  const dim3 grid(static_cast<unsigned>((cols + kTile - 1) / kTile), static_cast<unsigned>((rows + kTile - 1) / kTile));
  transpose_kernel<<<grid, dim3(kTile, kTileRows), 0, detail::stream()>>>(y, x, rows, cols, accumulate);
  S2S_CUDA_LAUNCH_CHECK();
}

}  // namespace

// ---- public entries ------------------------------------------------------------------------------
void div(float* y, const float* a, const float* b, std::int64_t n) {
  detail::check_size("div", "n", n);
  detail::check_ptr("div", "y", y, n);
  detail::check_ptr("div", "a", a, n);
  detail::check_ptr("div", "b", b, n);
  if (n > 0) launch_div(y, a, b, n);
}

void div_backward(float* da, float* db, const float* b, const float* y, const float* dy, std::int64_t n) {
  detail::check_size("div_backward", "n", n);
  detail::check_ptr("div_backward", "b", b, n);
  detail::check_ptr("div_backward", "y", y, n);
  detail::check_ptr("div_backward", "dy", dy, n);
  if (n > 0 && (da || db)) launch_div_backward(da, db, b, y, dy, n);
}

void transpose(float* y, const float* x, std::int64_t rows, std::int64_t cols, bool accumulate) {
  detail::check_size("transpose", "rows", rows);
  detail::check_size("transpose", "cols", cols);
  S2S_CHECK((rows + kTile - 1) / kTile <= 65535, "transpose: ", rows, " rows exceed the grid's y limit (",
            65535LL * kTile, ")");
  detail::check_ptr("transpose", "y", y, rows * cols);
  detail::check_ptr("transpose", "x", x, rows * cols);
  if (rows * cols == 0) return;
  launch_transpose(y, x, rows, cols, accumulate);
}

}  // namespace s2s::cuda
