#pragma once
// Owns: embedding row gather and its backward, a scatter-add of output rows into table rows.
// The scatter-add is deterministic (rows are added in index order), on every backend.
#include <cstdint>

namespace s2s::cpu {
// out[i, :] = table[ids[i], :] for i < n; ids outside [0, rows) throw s2s::Error.
template <class T> void embedding_gather(T* out, const T* table, const std::int32_t* ids, std::int64_t n, std::int64_t rows, std::int64_t dim);
// dtable[ids[i], :] += dout[i, :].
template <class T> void embedding_scatter_add(T* dtable, const T* dout, const std::int32_t* ids, std::int64_t n, std::int64_t rows, std::int64_t dim);
}  // namespace s2s::cpu

namespace s2s::cuda {
void embedding_gather(float* out, const float* table, const std::int32_t* ids, std::int64_t n, std::int64_t rows, std::int64_t dim);
void embedding_scatter_add(float* dtable, const float* dout, const std::int32_t* ids, std::int64_t n, std::int64_t rows, std::int64_t dim);
}  // namespace s2s::cuda
