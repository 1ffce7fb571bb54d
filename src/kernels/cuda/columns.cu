// Owns: the CUDA column-block copy (concat / split on the feature axis; mirrors
// src/kernels/cpu/columns.cpp): dst[r, dst_col + j] (=|+=) src[r, src_col + j].
// One thread per copied element, consecutive threads on consecutive columns (coalesced).
#include "launch.cuh"
#include "s2s/kernels/columns.h"

namespace s2s::cuda {
namespace {

// ---- kernel: dst [R, dst_cols], src [R, src_cols] ----------------------------------------------
__global__ void copy_columns_kernel(float* dst, std::int64_t dst_cols, std::int64_t dst_col, const float* src,
                                    std::int64_t src_cols, std::int64_t src_col, std::int64_t rows,
                                    std::int64_t width, bool accumulate) {
  S2S_GRID_STRIDE(t, rows * width) {
    const std::int64_t r = t / width, j = t % width;
    const float v = src[r * src_cols + src_col + j];
    float& d = dst[r * dst_cols + dst_col + j];
    d = accumulate ? d + v : v;
  }
}

// ---- launcher ----------------------------------------------------------------------------------
void launch_copy_columns(float* dst, std::int64_t dst_cols, std::int64_t dst_col, const float* src,
                         std::int64_t src_cols, std::int64_t src_col, std::int64_t rows, std::int64_t width,
                         bool accumulate) {
  copy_columns_kernel<<<detail::flat_grid(rows * width), detail::kBlock, 0, detail::stream()>>>(
      dst, dst_cols, dst_col, src, src_cols, src_col, rows, width, accumulate);
  S2S_CUDA_LAUNCH_CHECK();
}

}  // namespace

// ---- public entry ------------------------------------------------------------------------------
void copy_columns(float* dst, std::int64_t dst_cols, std::int64_t dst_col, const float* src,
                  std::int64_t src_cols, std::int64_t src_col, std::int64_t rows, std::int64_t width,
                  bool accumulate) {
  detail::check_size("copy_columns", "rows", rows);
  detail::check_size("copy_columns", "width", width);
  S2S_CHECK(dst_col >= 0 && dst_col + width <= dst_cols, "copy_columns: destination columns [", dst_col, ", ",
            dst_col + width, ") outside a row of ", dst_cols);
  S2S_CHECK(src_col >= 0 && src_col + width <= src_cols, "copy_columns: source columns [", src_col, ", ",
            src_col + width, ") outside a row of ", src_cols);
  detail::check_ptr("copy_columns", "dst", dst, rows * width);
  detail::check_ptr("copy_columns", "src", src, rows * width);
  if (rows * width == 0) return;
  launch_copy_columns(dst, dst_cols, dst_col, src, src_cols, src_col, rows, width, accumulate);
}

}  // namespace s2s::cuda
