// Owns: the CPU reference of the dropout mask kernel (kernels/dropout.h): a plain loop over the
// elements, one Philox word each.
#include "s2s/kernels/dropout.h"

#include <cmath>

#include "s2s/core/philox.h"

namespace s2s::cpu {

template <class T>
void dropout_mask(T* mask, const std::int64_t* base, std::uint64_t offset, std::uint64_t seed, std::uint64_t which,
                  double keep, std::int64_t rows, std::int64_t cols, bool variational) {
  if (rows == 0 || cols == 0) return;
  const std::uint64_t stream = (static_cast<std::uint64_t>(base[0]) + offset) * kDropoutTensorsPerCall + which;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const std::uint64_t idx = static_cast<std::uint64_t>(variational ? c : r * cols + c);
      const double u = philox_uniform_float(philox_u32_at(seed, stream, idx));
      mask[r * cols + c] = static_cast<T>(std::floor(keep + u) / keep);
    }
}

#define S2S_INSTANTIATE(T)                                                                                      \
  template void dropout_mask<T>(T*, const std::int64_t*, std::uint64_t, std::uint64_t, std::uint64_t, double, \
                                std::int64_t, std::int64_t, bool);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
