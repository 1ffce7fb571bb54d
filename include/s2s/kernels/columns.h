#pragma once
// Owns: copies of column blocks between row-major matrices, which implement concat and split on
// the feature axis. dst[r, dst_col + j] (=|+=) src[r, src_col + j] for r < rows, j < width.
#include <cstdint>

namespace s2s::cpu {
template <class T>
void copy_columns(T* dst, std::int64_t dst_cols, std::int64_t dst_col, const T* src,
                  std::int64_t src_cols, std::int64_t src_col, std::int64_t rows,
                  std::int64_t width, bool accumulate);
}  // namespace s2s::cpu

namespace s2s::cuda {
void copy_columns(float* dst, std::int64_t dst_cols, std::int64_t dst_col, const float* src,
                  std::int64_t src_cols, std::int64_t src_col, std::int64_t rows,
                  std::int64_t width, bool accumulate);
}  // namespace s2s::cuda
