// Owns: the CUDA embedding gather and its deterministic backward scatter-add (mirrors
// src/kernels/cpu/embedding.cpp).
// Determinism choice for embedding_scatter_add (no float atomics): the ids are sorted with their
// positions by a stable radix sort (cub), which groups equal ids and keeps each group in position
// order; then one thread per (group, column) starts from dtable's value and adds the group's rows
// in position order: the same additions in the same order as the CPU loop, so the float32 result
// is bitwise equal to cpu::embedding_scatter_add<float> and identical on every run. Cost: a sort
// of n int32 pairs (n = B·T ids, a few thousand) and one pass over dout.
// Ids outside [0, rows) are reported through device_error.h: the gather writes NaN rows, the
// scatter-add skips them (the CPU kernels throw at once).
#include <cub/device/device_radix_sort.cuh>

#include "launch.cuh"
#include "s2s/kernels/embedding.h"

namespace s2s::cuda {
namespace {

// ---- kernels ---------------------------------------------------------------------------------
// out [N, D] = table [rows, D] [ids [N]]
__global__ void embedding_gather_kernel(float* out, const float* table, const std::int32_t* ids, std::int64_t n,
                                        std::int64_t rows, std::int64_t dim, DeviceError* err) {
  S2S_GRID_STRIDE(t, n * dim) {
    const std::int64_t i = t / dim, k = t % dim;
    const std::int32_t id = ids[i];
    if (id < 0 || id >= rows) {
      if (k == 0) detail::report_bad_index(err, kErrEmbeddingGather, i, id, rows);
      out[t] = NAN;
    } else {
      out[t] = table[static_cast<std::int64_t>(id) * dim + k];
    }
  }
}

// positions [N] = 0, 1, ..., N-1 (the values the sort carries along)
__global__ void iota_kernel(std::int32_t* positions, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) positions[i] = static_cast<std::int32_t>(i);
}

// dtable [rows, D] += dout [N, D] grouped by sorted id: thread (i, k) works only where sorted
// entry i starts a group of equal ids. sorted_ids, positions [N].
__global__ void scatter_sorted_kernel(float* dtable, const float* dout, const std::int32_t* sorted_ids,
                                      const std::int32_t* positions, std::int64_t n, std::int64_t rows,
                                      std::int64_t dim, DeviceError* err) {
  S2S_GRID_STRIDE(t, n * dim) {
    const std::int64_t i = t / dim, k = t % dim;
    const std::int32_t id = sorted_ids[i];
    if (i > 0 && sorted_ids[i - 1] == id) continue;
    if (id < 0 || id >= rows) {
      if (k == 0) detail::report_bad_index(err, kErrEmbeddingScatterAdd, positions[i], id, rows);
      continue;
    }
    float* dst = dtable + static_cast<std::int64_t>(id) * dim + k;
    float acc = *dst;
    for (std::int64_t j = i; j < n && sorted_ids[j] == id; ++j) acc += dout[static_cast<std::int64_t>(positions[j]) * dim + k];
    *dst = acc;
  }
}

// ---- launchers -------------------------------------------------------------------------------
void launch_embedding_gather(float* out, const float* table, const std::int32_t* ids, std::int64_t n,
                             std::int64_t rows, std::int64_t dim) {
  embedding_gather_kernel<<<detail::flat_grid(n * dim), detail::kBlock, 0, detail::stream()>>>(
      out, table, ids, n, rows, dim, detail::device_error());
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_iota(std::int32_t* positions, std::int64_t n) {
  iota_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(positions, n);
  S2S_CUDA_LAUNCH_CHECK();
}

// Stable sort of (ids, positions) by id: sorted_ids, sorted_positions [N].
void launch_sort_ids(std::int32_t* sorted_ids, std::int32_t* sorted_positions, const std::int32_t* ids,
                     const std::int32_t* positions, int n) {
  std::size_t temp_bytes = 0;
  S2S_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, ids, sorted_ids, positions,
                                                 sorted_positions, n, 0, 32, detail::stream()));
  detail::Scratch temp(temp_bytes);
  S2S_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.as<void>(), temp_bytes, ids, sorted_ids, positions,
                                                 sorted_positions, n, 0, 32, detail::stream()));
}

void launch_scatter_sorted(float* dtable, const float* dout, const std::int32_t* sorted_ids,
                           const std::int32_t* positions, std::int64_t n, std::int64_t rows, std::int64_t dim) {
  scatter_sorted_kernel<<<detail::flat_grid(n * dim), detail::kBlock, 0, detail::stream()>>>(
      dtable, dout, sorted_ids, positions, n, rows, dim, detail::device_error());
  S2S_CUDA_LAUNCH_CHECK();
}

// dense: the [N, D] operand (out or dout); table: the [rows, D] one (table or dtable).
void check_embedding(const char* op, const void* dense, const void* table, const std::int32_t* ids,
                     std::int64_t n, std::int64_t rows, std::int64_t dim) {
  detail::check_size(op, "n", n);
  detail::check_size(op, "rows", rows);
  detail::check_size(op, "dim", dim);
  detail::check_int(op, "n", n);
  detail::check_ptr(op, "ids", ids, n);
  detail::check_ptr(op, "the [n, dim] operand", dense, n * dim);
  detail::check_ptr(op, "the table", table, n > 0 ? rows * dim : 0);
}

}  // namespace

// ---- public entries ----------------------------------------------------------------------------
void embedding_gather(float* out, const float* table, const std::int32_t* ids, std::int64_t n, std::int64_t rows,
                      std::int64_t dim) {
  check_embedding("embedding_gather", out, table, ids, n, rows, dim);
  if (n * dim == 0) return;
  launch_embedding_gather(out, table, ids, n, rows, dim);
}

void embedding_scatter_add(float* dtable, const float* dout, const std::int32_t* ids, std::int64_t n,
                           std::int64_t rows, std::int64_t dim) {
  check_embedding("embedding_scatter_add", dout, dtable, ids, n, rows, dim);
  if (n * dim == 0) return;
  const std::size_t ids_bytes = static_cast<std::size_t>(n) * sizeof(std::int32_t);
  detail::Scratch positions(ids_bytes), sorted_ids(ids_bytes), sorted_positions(ids_bytes);
  launch_iota(positions.as<std::int32_t>(), n);
  launch_sort_ids(sorted_ids.as<std::int32_t>(), sorted_positions.as<std::int32_t>(), ids,
                  positions.as<std::int32_t>(), static_cast<int>(n));
  launch_scatter_sorted(dtable, dout, sorted_ids.as<std::int32_t>(), sorted_positions.as<std::int32_t>(), n, rows,
                        dim);
}

}  // namespace s2s::cuda
