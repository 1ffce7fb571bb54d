// Owns: CPU reference column-block copy (concat / split on axis 1).
#include "s2s/kernels/columns.h"

namespace s2s::cpu {

template <class T>
void copy_columns(T* dst, std::int64_t dst_cols, std::int64_t dst_col, const T* src,
                  std::int64_t src_cols, std::int64_t src_col, std::int64_t rows,
                  std::int64_t width, bool accumulate) {
  for (std::int64_t r = 0; r < rows; ++r) {
    T* d = dst + r * dst_cols + dst_col;
    const T* s = src + r * src_cols + src_col;
    if (accumulate) for (std::int64_t j = 0; j < width; ++j) d[j] += s[j];
    else for (std::int64_t j = 0; j < width; ++j) d[j] = s[j];
  }
}

template void copy_columns<float>(float*, std::int64_t, std::int64_t, const float*, std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool);
template void copy_columns<double>(double*, std::int64_t, std::int64_t, const double*, std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool);

}  // namespace s2s::cpu
