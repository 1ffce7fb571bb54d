// Owns: the CUDA reductions (mirrors src/kernels/cpu/reduce.cpp). All deterministic: every sum
// follows a fixed tree chosen from the sizes alone (never atomics, never the device's SM count),
// so a result is bitwise reproducible run to run and on any device.
// - sum / sum_squares: two passes. Pass 1: a grid of at most kMaxPartials blocks, each thread
//   accumulates its grid-strided elements in double, each block reduces its threads (fixed tree)
//   into one partial; pass 2: one block reduces the partials in index order and writes the float
//   result to device memory (no host round trip). Double like the CPU reference: these feed the
//   global gradient norm and loss sums over millions of elements.
// - global_sum_squares: pass 1 of sum_squares for each array into its own slots of one partials
//   buffer, then one block adds all partials (strided per thread, in order): one float in device
//   memory for the global gradient norm, one host read at most (none if the caller keeps it).
// - sum_rows / sum_middle: one thread column per output column, 8 row-slices per column reduced in
//   order through shared memory; float accumulation (bias gradients, like TF).
// - argmax_rows: one block per row; (value, index) pairs reduced keeping the larger value and, on
//   ties, the smaller index: the first maximal index, as the CPU's strict-greater scan. NaN never
//   wins, except that a NaN in column 0 gives 0 (the CPU scan never leaves it).
#include <cmath>

#include "launch.cuh"
#include "s2s/kernels/reduce.h"

namespace s2s::cuda {
namespace {

constexpr int kMaxPartials = 1024;   // pass-1 blocks at most = pass-2 threads
constexpr int kItemsPerThread = 8;   // pass-1 grid: one block per kBlock * 8 elements
constexpr int kRowSlices = 8;        // threadIdx.y extent of the column-sum kernel

// ---- kernels -----------------------------------------------------------------------------------
// partials [gridDim.x] = Σ over this block's grid-strided share of f(x [N])
template <bool kSquare>
__global__ void partial_sums_kernel(double* partials, const float* x, std::int64_t n) {
  double acc = 0.0;
  S2S_GRID_STRIDE(i, n) {
    const double v = x[i];
    acc += kSquare ? v * v : v;
  }
  acc = detail::block_reduce(acc, detail::SumOp{}, 0.0);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

// out [1] = Σ partials [count]; one block of kMaxPartials threads
__global__ void final_sum_kernel(float* out, const double* partials, int count) {
  double v = threadIdx.x < count ? partials[threadIdx.x] : 0.0;
  v = detail::block_reduce(v, detail::SumOp{}, 0.0);
  if (threadIdx.x == 0) *out = static_cast<float>(v);
}

// out [1] = Σ partials [count] for any count: thread t adds partials t, t + blockDim, ... in order
// (double), then the block's fixed tree; one block of kMaxPartials threads
__global__ void final_sum_strided_kernel(float* out, const double* partials, std::int64_t count) {
  double v = 0.0;
  for (std::int64_t i = threadIdx.x; i < count; i += blockDim.x) v += partials[i];
  v = detail::block_reduce(v, detail::SumOp{}, 0.0);
  if (threadIdx.x == 0) *out = static_cast<float>(v);
}

// y [batches, C] (=|+=) Σ_r x [batches, R, C]; block (32, kRowSlices), grid (ceil(C/32), batches)
__global__ void column_sums_kernel(float* y, const float* x, std::int64_t rows, std::int64_t cols, bool accumulate) {
  __shared__ float partial[kRowSlices][32];
  const std::int64_t c = blockIdx.x * std::int64_t{32} + threadIdx.x;
  const float* xb = x + blockIdx.y * rows * cols;
  float acc = 0.0f;
  if (c < cols)
    for (std::int64_t r = threadIdx.y; r < rows; r += kRowSlices) acc += xb[r * cols + c];
  partial[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y != 0 || c >= cols) return;
  float total = partial[0][threadIdx.x];
  for (int s = 1; s < kRowSlices; ++s) total += partial[s][threadIdx.x];
  float& out = y[blockIdx.y * cols + c];
  out = accumulate ? out + total : total;
}

struct ArgMax {
  float v;
  int i;  // -1: nothing seen yet (empty share, or only NaN)
};
__device__ ArgMax better(ArgMax a, ArgMax b) {
  if (a.i < 0) return b;
  if (b.i < 0) return a;
  return (b.v > a.v || (b.v == a.v && b.i < a.i)) ? b : a;
}

// idx [R] = first index of the maximum of x [R, C]; one block per row
__global__ void argmax_rows_kernel(std::int32_t* idx, const float* x, std::int64_t cols) {
  __shared__ ArgMax warp_best[32];
  const float* xr = x + blockIdx.x * cols;
  ArgMax best{0.0f, -1};
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x)
    if (!isnan(xr[j])) best = better(best, ArgMax{xr[j], static_cast<int>(j)});
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int offset = 16; offset > 0; offset >>= 1)
    best = better(best, ArgMax{__shfl_down_sync(0xffffffffu, best.v, offset), __shfl_down_sync(0xffffffffu, best.i, offset)});
  if (lane == 0) warp_best[warp] = best;
  __syncthreads();
  if (warp != 0) return;
  best = lane < warps ? warp_best[lane] : ArgMax{0.0f, -1};
  for (int offset = 16; offset > 0; offset >>= 1)
    best = better(best, ArgMax{__shfl_down_sync(0xffffffffu, best.v, offset), __shfl_down_sync(0xffffffffu, best.i, offset)});
  if (lane == 0) idx[blockIdx.x] = (best.i < 0 || isnan(xr[0])) ? 0 : best.i;
}

// ---- launchers ---------------------------------------------------------------------------------
// Pass-1 blocks for n > 0 elements: a function of n only.
int partial_blocks(std::int64_t n) {
  return static_cast<int>(std::min<std::int64_t>(
      (n + detail::kBlock * kItemsPerThread - 1) / (detail::kBlock * kItemsPerThread), kMaxPartials));
}

template <bool kSquare>
void launch_sum(float* out, const float* x, std::int64_t n) {
  const int blocks = partial_blocks(n);
  detail::Scratch partials(sizeof(double) * kMaxPartials);
  partial_sums_kernel<kSquare><<<blocks, detail::kBlock, 0, detail::stream()>>>(partials.as<double>(), x, n);
  S2S_CUDA_LAUNCH_CHECK();
  final_sum_kernel<<<1, kMaxPartials, 0, detail::stream()>>>(out, partials.as<double>(), blocks);
  S2S_CUDA_LAUNCH_CHECK();
}

// Arrays with ns[i] > 0 each get partial_blocks(ns[i]) consecutive slots of one partials buffer.
void launch_global_sum_squares(float* out, const float* const* xs, const std::int64_t* ns, std::int64_t count,
                               std::int64_t total_blocks) {
  detail::Scratch partials(sizeof(double) * static_cast<std::size_t>(total_blocks));
  std::int64_t at = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    if (ns[i] == 0) continue;
    const int blocks = partial_blocks(ns[i]);
    partial_sums_kernel<true><<<blocks, detail::kBlock, 0, detail::stream()>>>(partials.as<double>() + at, xs[i], ns[i]);
    S2S_CUDA_LAUNCH_CHECK();
    at += blocks;
  }
  final_sum_strided_kernel<<<1, kMaxPartials, 0, detail::stream()>>>(out, partials.as<double>(), total_blocks);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_column_sums(float* y, const float* x, std::int64_t batches, std::int64_t rows, std::int64_t cols,
                        bool accumulate) {
  const dim3 grid(static_cast<unsigned>((cols + 31) / 32), static_cast<unsigned>(batches));
  column_sums_kernel<<<grid, dim3(32, kRowSlices), 0, detail::stream()>>>(y, x, rows, cols, accumulate);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_argmax_rows(std::int32_t* idx, const float* x, std::int64_t rows, std::int64_t cols) {
  argmax_rows_kernel<<<static_cast<unsigned>(rows), detail::row_block(cols), 0, detail::stream()>>>(idx, x, cols);
  S2S_CUDA_LAUNCH_CHECK();
}

// A zero-element sum still writes its (zero) result.
__global__ void zero_kernel(float* out) { *out = 0.0f; }
void launch_zero(float* out) {
  zero_kernel<<<1, 1, 0, detail::stream()>>>(out);
  S2S_CUDA_LAUNCH_CHECK();
}

void check_sum(const char* op, float* out, const float* x, std::int64_t n) {
  detail::check_size(op, "n", n);
  detail::check_ptr(op, "out", out, 1);
  detail::check_ptr(op, "x", x, n);
}

void check_column_sums(const char* op, float* y, const float* x, std::int64_t batches, std::int64_t rows,
                       std::int64_t cols) {
  detail::check_size(op, "batches", batches);
  detail::check_size(op, "rows", rows);
  detail::check_size(op, "cols", cols);
  S2S_CHECK(batches <= 65535, op, ": ", batches, " batches exceed the grid's y limit");
  detail::check_ptr(op, "y", y, batches * cols);
  detail::check_ptr(op, "x", x, batches * rows * cols);
}

}  // namespace

// ---- public entries ----------------------------------------------------------------------------
void sum(float* out, const float* x, std::int64_t n) {
  check_sum("sum", out, x, n);
  if (n == 0) return launch_zero(out);
  launch_sum<false>(out, x, n);
}

void sum_squares(float* out, const float* x, std::int64_t n) {
  check_sum("sum_squares", out, x, n);
  if (n == 0) return launch_zero(out);
  launch_sum<true>(out, x, n);
}

void sum_rows(float* y, const float* x, std::int64_t rows, std::int64_t cols, bool accumulate) {
  check_column_sums("sum_rows", y, x, 1, rows, cols);
  if (cols == 0) return;
  launch_column_sums(y, x, 1, rows, cols, accumulate);  // rows == 0: y = 0 (or unchanged)
}

void sum_middle(float* y, const float* x, std::int64_t b, std::int64_t l, std::int64_t c) {
  check_column_sums("sum_middle", y, x, b, l, c);
  if (b == 0 || c == 0) return;
  launch_column_sums(y, x, b, l, c, true);
}

void global_sum_squares(float* out, const float* const* xs, const std::int64_t* ns, std::int64_t count) {
  detail::check_size("global_sum_squares", "count", count);
  detail::check_ptr("global_sum_squares", "out", out, 1);
  detail::check_ptr("global_sum_squares", "xs", xs, count);
  detail::check_ptr("global_sum_squares", "ns", ns, count);
  std::int64_t total_blocks = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    detail::check_size("global_sum_squares", "an array size", ns[i]);
    detail::check_ptr("global_sum_squares", "an array", xs[i], ns[i]);
    if (ns[i] > 0) total_blocks += partial_blocks(ns[i]);
  }
  if (total_blocks == 0) return launch_zero(out);
  launch_global_sum_squares(out, xs, ns, count, total_blocks);
}

void argmax_rows(std::int32_t* idx, const float* x, std::int64_t rows, std::int64_t cols) {
  detail::check_size("argmax_rows", "rows", rows);
  detail::check_size("argmax_rows", "cols", cols);
  detail::check_int("argmax_rows", "rows", rows);
  detail::check_int("argmax_rows", "cols", cols);
  detail::check_ptr("argmax_rows", "idx", idx, rows);
  detail::check_ptr("argmax_rows", "x", x, rows * cols);
  if (rows == 0) return;
  launch_argmax_rows(idx, x, rows, cols);
}

}  // namespace s2s::cuda
