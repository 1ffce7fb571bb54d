// Owns: CPU reference embedding gather / scatter-add.
#include "s2s/kernels/embedding.h"

#include <algorithm>

#include "s2s/core/error.h"

namespace s2s::cpu {

template <class T> void embedding_gather(T* out, const T* table, const std::int32_t* ids, std::int64_t n, std::int64_t rows, std::int64_t dim) {
  for (std::int64_t i = 0; i < n; ++i) {
    S2S_CHECK(ids[i] >= 0 && ids[i] < rows, "embedding id ", ids[i], " at position ", i,
              " is outside [0, ", rows, ")");
    std::copy_n(table + static_cast<std::int64_t>(ids[i]) * dim, dim, out + i * dim);
  }
}
template <class T> void embedding_scatter_add(T* dtable, const T* dout, const std::int32_t* ids, std::int64_t n, std::int64_t rows, std::int64_t dim) {
  for (std::int64_t i = 0; i < n; ++i) {
    S2S_CHECK(ids[i] >= 0 && ids[i] < rows, "embedding id ", ids[i], " is outside [0, ", rows, ")");
    T* dst = dtable + static_cast<std::int64_t>(ids[i]) * dim;
    const T* src = dout + i * dim;
    for (std::int64_t k = 0; k < dim; ++k) dst[k] += src[k];
  }
}

template void embedding_gather<float>(float*, const float*, const std::int32_t*, std::int64_t, std::int64_t, std::int64_t);
template void embedding_gather<double>(double*, const double*, const std::int32_t*, std::int64_t, std::int64_t, std::int64_t);
template void embedding_scatter_add<float>(float*, const float*, const std::int32_t*, std::int64_t, std::int64_t, std::int64_t);
template void embedding_scatter_add<double>(double*, const double*, const std::int32_t*, std::int64_t, std::int64_t, std::int64_t);

}  // namespace s2s::cpu
