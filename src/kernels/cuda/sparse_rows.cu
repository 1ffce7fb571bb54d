// Owns: the CUDA row-sparse kernels (mirrors src/kernels/cpu/sparse_rows.cpp).
// Determinism (no float atomics): coalesce_rows sorts (id, position) pairs with a stable radix
// sort, run-length encodes the sorted ids into the unique ids and their counts, and one thread
// per (unique id, column) adds that id's rows in position order starting from 0.0f — the CPU
// loop's additions in its order, each an explicitly rounded __fadd_rn, so the result is the CPU
// float32 result bit for bit and the same on every run. The unique count is read back to the host
// (one stream synchronisation per call): the caller needs it to size what follows.
// The sparse updates run one thread per (row, column); ids are unique, so no two threads write
// the same element. Ids outside [0, vocab) are reported through device_error.h and skipped.
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_run_length_encode.cuh>
#include <cub/device/device_scan.cuh>

#include "launch.cuh"
#include "s2s/kernels/sparse_rows.h"

namespace s2s::cuda {
namespace {

// ---- kernels -----------------------------------------------------------------------------------
// positions [N] = 0 .. N-1
__global__ void positions_kernel(std::int32_t* positions, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) positions[i] = static_cast<std::int32_t>(i);
}

// out_rows [K, D]: row j = sum over p in [offsets[j], offsets[j] + counts[j]) of rows[positions[p]].
__global__ void segment_sum_kernel(float* out_rows, const float* rows, const std::int32_t* unique_ids,
                                   const std::int32_t* counts, const std::int32_t* offsets,
                                   const std::int32_t* positions, std::int64_t k, std::int64_t vocab,
                                   std::int64_t dim, DeviceError* err) {
  S2S_GRID_STRIDE(t, k * dim) {
    const std::int64_t j = t / dim, c = t % dim;
    const std::int32_t id = unique_ids[j];
    if ((id < 0 || id >= vocab) && c == 0) detail::report_bad_index(err, kErrCoalesceRows, positions[offsets[j]], id, vocab);
    float acc = 0.0f;
    for (std::int32_t p = offsets[j], end = offsets[j] + counts[j]; p < end; ++p)
      acc = __fadd_rn(acc, rows[static_cast<std::int64_t>(positions[p]) * dim + c]);
    out_rows[t] = acc;
  }
}

// var [V, D] (rows ids [K]) -= g [K, D] * lr
__global__ void sparse_sgd_kernel(float* var, const std::int32_t* ids, const float* g, float lr, std::int64_t k,
                                  std::int64_t vocab, std::int64_t dim, DeviceError* err) {
  S2S_GRID_STRIDE(t, k * dim) {
    const std::int64_t j = t / dim, c = t % dim;
    const std::int32_t id = ids[j];
    if (id < 0 || id >= vocab) {
      if (c == 0) detail::report_bad_index(err, kErrSparseUpdate, j, id, vocab);
      continue;
    }
    float* v = var + static_cast<std::int64_t>(id) * dim + c;
    *v = __fsub_rn(*v, __fmul_rn(g[t], lr));
  }
}

__global__ void sparse_momentum_kernel(float* var, float* accum, const std::int32_t* ids, const float* g, float lr,
                                       float momentum, std::int64_t k, std::int64_t vocab, std::int64_t dim,
                                       DeviceError* err) {
  S2S_GRID_STRIDE(t, k * dim) {
    const std::int64_t j = t / dim, c = t % dim;
    const std::int32_t id = ids[j];
    if (id < 0 || id >= vocab) {
      if (c == 0) detail::report_bad_index(err, kErrSparseUpdate, j, id, vocab);
      continue;
    }
    const std::int64_t at = static_cast<std::int64_t>(id) * dim + c;
    const float a = __fadd_rn(__fmul_rn(accum[at], momentum), g[t]);
    accum[at] = a;
    var[at] = __fsub_rn(var[at], __fmul_rn(a, lr));
  }
}

// ---- launchers ---------------------------------------------------------------------------------
void launch_positions(std::int32_t* positions, std::int64_t n) {
  positions_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(positions, n);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_sort_pairs(std::int32_t* sorted_ids, std::int32_t* sorted_positions, const std::int32_t* ids,
                       const std::int32_t* positions, int n) {
  std::size_t bytes = 0;
  S2S_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, ids, sorted_ids, positions, sorted_positions, n, 0,
                                                 32, detail::stream()));
  detail::Scratch temp(bytes);
  S2S_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.as<void>(), bytes, ids, sorted_ids, positions,
                                                 sorted_positions, n, 0, 32, detail::stream()));
}

// unique_ids, counts [<= N], runs [1] <- sorted_ids [N]
void launch_run_length(std::int32_t* unique_ids, std::int32_t* counts, std::int32_t* runs,
                       const std::int32_t* sorted_ids, int n) {
  std::size_t bytes = 0;
  S2S_CUDA_CHECK(cub::DeviceRunLengthEncode::Encode(nullptr, bytes, sorted_ids, unique_ids, counts, runs, n,
                                                    detail::stream()));
  detail::Scratch temp(bytes);
  S2S_CUDA_CHECK(cub::DeviceRunLengthEncode::Encode(temp.as<void>(), bytes, sorted_ids, unique_ids, counts, runs, n,
                                                    detail::stream()));
}

// offsets [K] = exclusive prefix sum of counts [K]
void launch_offsets(std::int32_t* offsets, const std::int32_t* counts, int k) {
  std::size_t bytes = 0;
  S2S_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, bytes, counts, offsets, k, detail::stream()));
  detail::Scratch temp(bytes);
  S2S_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(temp.as<void>(), bytes, counts, offsets, k, detail::stream()));
}

void launch_segment_sum(float* out_rows, const float* rows, const std::int32_t* unique_ids, const std::int32_t* counts,
                        const std::int32_t* offsets, const std::int32_t* positions, std::int64_t k,
                        std::int64_t vocab, std::int64_t dim) {
  segment_sum_kernel<<<detail::flat_grid(k * dim), detail::kBlock, 0, detail::stream()>>>(
      out_rows, rows, unique_ids, counts, offsets, positions, k, vocab, dim, detail::device_error());
  S2S_CUDA_LAUNCH_CHECK();
}

void check_sparse(const char* op, std::int64_t k, std::int64_t vocab, std::int64_t dim,
                  std::initializer_list<const void*> tables, const std::int32_t* ids, const float* rows) {
  detail::check_size(op, "k", k);
  detail::check_size(op, "vocab", vocab);
  detail::check_size(op, "dim", dim);
  detail::check_int(op, "k", k);
  detail::check_ptr(op, "ids", ids, k);
  detail::check_ptr(op, "rows", rows, k * dim);
  for (const void* t : tables) detail::check_ptr(op, "a [vocab, dim] table", t, k > 0 ? vocab * dim : 0);
}

}  // namespace

// ---- public entries ----------------------------------------------------------------------------
std::int64_t coalesce_rows(std::int32_t* out_ids, float* out_rows, const std::int32_t* ids, const float* rows,
                           std::int64_t n, std::int64_t vocab, std::int64_t dim) {
  check_sparse("coalesce_rows", n, vocab, dim, {out_rows}, ids, rows);
  detail::check_ptr("coalesce_rows", "out_ids", out_ids, n);
  if (n == 0) return 0;
  const std::size_t ids_bytes = static_cast<std::size_t>(n) * sizeof(std::int32_t);
  detail::Scratch positions(ids_bytes), sorted_ids(ids_bytes), sorted_positions(ids_bytes), counts(ids_bytes),
      offsets(ids_bytes), runs(sizeof(std::int32_t));
  launch_positions(positions.as<std::int32_t>(), n);
  launch_sort_pairs(sorted_ids.as<std::int32_t>(), sorted_positions.as<std::int32_t>(), ids,
                    positions.as<std::int32_t>(), static_cast<int>(n));
  launch_run_length(out_ids, counts.as<std::int32_t>(), runs.as<std::int32_t>(), sorted_ids.as<std::int32_t>(),
                    static_cast<int>(n));
  std::int32_t k = 0;
  S2S_CUDA_CHECK(cudaMemcpyAsync(&k, runs.as<std::int32_t>(), sizeof(k), cudaMemcpyDeviceToHost, detail::stream()));
  S2S_CUDA_CHECK(cudaStreamSynchronize(detail::stream()));
  launch_offsets(offsets.as<std::int32_t>(), counts.as<std::int32_t>(), k);
  if (dim > 0)
    launch_segment_sum(out_rows, rows, out_ids, counts.as<std::int32_t>(), offsets.as<std::int32_t>(),
                       sorted_positions.as<std::int32_t>(), k, vocab, dim);
  return k;
}

void sparse_sgd_update(float* var, const std::int32_t* ids, const float* rows, float lr, std::int64_t k,
                       std::int64_t vocab, std::int64_t dim) {
  check_sparse("sparse_sgd_update", k, vocab, dim, {var}, ids, rows);
  if (k * dim == 0) return;
  sparse_sgd_kernel<<<detail::flat_grid(k * dim), detail::kBlock, 0, detail::stream()>>>(var, ids, rows, lr, k, vocab,
                                                                                        dim, detail::device_error());
  S2S_CUDA_LAUNCH_CHECK();
}

void sparse_momentum_update(float* var, float* accum, const std::int32_t* ids, const float* rows, float lr,
                            float momentum, std::int64_t k, std::int64_t vocab, std::int64_t dim) {
  check_sparse("sparse_momentum_update", k, vocab, dim, {var, accum}, ids, rows);
  if (k * dim == 0) return;
  sparse_momentum_kernel<<<detail::flat_grid(k * dim), detail::kBlock, 0, detail::stream()>>>(
      var, accum, ids, rows, lr, momentum, k, vocab, dim, detail::device_error());
  S2S_CUDA_LAUNCH_CHECK();
}

}  // namespace s2s::cuda
