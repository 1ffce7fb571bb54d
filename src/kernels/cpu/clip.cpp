// Owns: the CPU loop of the device-side gradient clip (kernels/clip.h).
#include "s2s/kernels/clip.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace s2s::cpu {

template <class T> void scale_by_global_norm(T* g, std::int64_t n, const T* norm_sq, T max_norm) {
  const T norm = static_cast<T>(std::sqrt(static_cast<double>(*norm_sq)));
  T scale = max_norm * std::min(T(1) / norm, T(1) / max_norm);
  if (!std::isfinite(norm)) scale = std::numeric_limits<T>::quiet_NaN();
  for (std::int64_t i = 0; i < n; ++i) g[i] *= scale;
}

template void scale_by_global_norm<float>(float*, std::int64_t, const float*, float);
template void scale_by_global_norm<double>(double*, std::int64_t, const double*, double);

}  // namespace s2s::cpu
