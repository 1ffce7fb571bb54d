// Owns: CPU reference row-sparse kernels (kernels/sparse_rows.h): coalescing and the sparse
// SGD / Momentum updates.
#include "s2s/kernels/sparse_rows.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "s2s/core/error.h"

namespace s2s::cpu {

template <class T>
std::int64_t coalesce_rows(std::int32_t* out_ids, T* out_rows, const std::int32_t* ids, const T* rows, std::int64_t n,
                           std::int64_t vocab, std::int64_t dim) {
  for (std::int64_t i = 0; i < n; ++i)
    S2S_CHECK(ids[i] >= 0 && ids[i] < vocab, "coalesce_rows: id ", ids[i], " at position ", i, " is outside [0, ",
              vocab, ")");
  // Positions sorted by id, equal ids kept in position order (stable): the dense scatter-add's order.
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::stable_sort(order.begin(), order.end(), [ids](std::int64_t a, std::int64_t b) { return ids[a] < ids[b]; });
  std::int64_t k = 0;
  for (std::int64_t i = 0; i < n;) {
    const std::int32_t id = ids[order[i]];
    T* dst = out_rows + k * dim;
    std::fill_n(dst, dim, T(0));
    for (; i < n && ids[order[i]] == id; ++i) {
      const T* src = rows + order[i] * dim;
      for (std::int64_t c = 0; c < dim; ++c) dst[c] += src[c];
    }
    out_ids[k++] = id;
  }
  return k;
}

template <class T>
void sparse_sgd_update(T* var, const std::int32_t* ids, const T* rows, T lr, std::int64_t k, std::int64_t vocab,
                       std::int64_t dim) {
  for (std::int64_t j = 0; j < k; ++j) {
    S2S_CHECK(ids[j] >= 0 && ids[j] < vocab, "sparse_sgd_update: id ", ids[j], " is outside [0, ", vocab, ")");
    T* v = var + static_cast<std::int64_t>(ids[j]) * dim;
    const T* g = rows + j * dim;
    for (std::int64_t c = 0; c < dim; ++c) v[c] -= g[c] * lr;  // ApplyGradientDescent's expression
  }
}

template <class T>
void sparse_momentum_update(T* var, T* accum, const std::int32_t* ids, const T* rows, T lr, T momentum,
                            std::int64_t k, std::int64_t vocab, std::int64_t dim) {
  for (std::int64_t j = 0; j < k; ++j) {
    S2S_CHECK(ids[j] >= 0 && ids[j] < vocab, "sparse_momentum_update: id ", ids[j], " is outside [0, ", vocab, ")");
    const std::int64_t at = static_cast<std::int64_t>(ids[j]) * dim;
    T* v = var + at;
    T* a = accum + at;
    const T* g = rows + j * dim;
    for (std::int64_t c = 0; c < dim; ++c) {  // SparseApplyMomentum (use_nesterov = false)
      a[c] = a[c] * momentum + g[c];
      v[c] -= a[c] * lr;
    }
  }
}

#define S2S_INSTANTIATE(T)                                                                                       \
  template std::int64_t coalesce_rows<T>(std::int32_t*, T*, const std::int32_t*, const T*, std::int64_t,        \
                                         std::int64_t, std::int64_t);                                             \
  template void sparse_sgd_update<T>(T*, const std::int32_t*, const T*, T, std::int64_t, std::int64_t,          \
                                     std::int64_t);                                                               \
  template void sparse_momentum_update<T>(T*, T*, const std::int32_t*, const T*, T, T, std::int64_t,            \
                                          std::int64_t, std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
