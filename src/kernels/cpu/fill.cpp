// Owns: the CPU reference of fill.h.
#include "s2s/kernels/fill.h"

namespace s2s::cpu {

template <class T> void fill(T* y, T value, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = value;
}

template void fill<float>(float*, float, std::int64_t);
template void fill<double>(double*, double, std::int64_t);

}  // namespace s2s::cpu
