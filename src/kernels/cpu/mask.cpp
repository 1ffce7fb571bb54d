// Owns: the CPU reference of mask.h.
#include "s2s/kernels/mask.h"

namespace s2s::cpu {

template <class T>
void padding_mask(T* mask, const std::int32_t* ids, std::int64_t batch, std::int64_t length, std::int64_t position,
                  std::int32_t pad_id) {
  for (std::int64_t b = 0; b < batch; ++b) mask[b * length + position] = ids[b] == pad_id ? T(0) : T(1);
}

template void padding_mask<float>(float*, const std::int32_t*, std::int64_t, std::int64_t, std::int64_t, std::int32_t);
template void padding_mask<double>(double*, const std::int32_t*, std::int64_t, std::int64_t, std::int64_t,
                                   std::int32_t);

}  // namespace s2s::cpu
