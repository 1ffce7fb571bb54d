#pragma once
// Owns: the row-sparse gradient kernels (docs/scaling.md, docs/nn.md "Sparse gradients"):
//  - coalesce_rows: (ids [N], rows [N, D]) with repeats -> (sorted unique ids [K], summed rows
//    [K, D]). Deterministic and free of float atomics on every backend: the ids are sorted
//    stably with their positions, and each unique id's rows are added in position order starting
//    from 0 — the additions dense embedding_scatter_add makes into a zeroed table row, in the same
//    order, so the summed rows equal the dense gradient's rows bit for bit.
//  - sparse_sgd_update / sparse_momentum_update: TF 1.x's SparseApplyGradientDescent (scatter_sub
//    of lr·g) and SparseApplyMomentum (training_ops.cc): only the K given rows of var (and accum)
//    change, with the dense kernels' element expressions. The ids must be unique (coalesced);
//    the Tensor-level entries (kern::, below) coalesce first, as TF's
//    Optimizer._apply_sparse_duplicate_indices does.
// Shapes: vocab rows of the table (V), row width D; ids int32 in [0, V).
#include <cstdint>

#include "s2s/core/row_sparse.h"
#include "s2s/core/tensor.h"

namespace s2s::cpu {
// out_ids [<= N], out_rows [<= N, D] <- ids [N], rows [N, D]; returns K, the unique id count.
template <class T>
std::int64_t coalesce_rows(std::int32_t* out_ids, T* out_rows, const std::int32_t* ids, const T* rows, std::int64_t n,
                           std::int64_t vocab, std::int64_t dim);
// var [V, D]: var[ids[j]] -= rows[j] * lr for the K unique ids.
template <class T>
void sparse_sgd_update(T* var, const std::int32_t* ids, const T* rows, T lr, std::int64_t k, std::int64_t vocab,
                       std::int64_t dim);
// var, accum [V, D]: accum[i] = accum[i] * momentum + g; var[i] -= accum[i] * lr, for i = ids[j].
template <class T>
void sparse_momentum_update(T* var, T* accum, const std::int32_t* ids, const T* rows, T lr, T momentum,
                            std::int64_t k, std::int64_t vocab, std::int64_t dim);
}  // namespace s2s::cpu

namespace s2s::cuda {
// float32 twins, bit for bit the CPU loops (no FMA contraction, same summation order). The
// coalesce reads the unique count back to the host (one stream synchronisation).
std::int64_t coalesce_rows(std::int32_t* out_ids, float* out_rows, const std::int32_t* ids, const float* rows,
                           std::int64_t n, std::int64_t vocab, std::int64_t dim);
void sparse_sgd_update(float* var, const std::int32_t* ids, const float* rows, float lr, std::int64_t k,
                       std::int64_t vocab, std::int64_t dim);
void sparse_momentum_update(float* var, float* accum, const std::int32_t* ids, const float* rows, float lr,
                            float momentum, std::int64_t k, std::int64_t vocab, std::int64_t dim);
}  // namespace s2s::cuda

namespace s2s::kern {
// Tensor-level entries (CPU float32/float64, CUDA float32).
// ids int32 [N] (any order, repeats allowed), rows [N, D] -> a coalesced RowSparse of `vocab` rows.
RowSparse coalesce_rows(const Tensor& ids, const Tensor& rows, std::int64_t vocab);
// g coalesced already: returned as is; else coalesce_rows(g.ids, g.rows, g.vocab).
RowSparse coalesced(const RowSparse& g);
// dense [V, D] += g (any g; rows added in position order).
void add_row_sparse(Tensor& dense, const RowSparse& g);
void sparse_sgd_update(Tensor& var, const RowSparse& grad, double lr);
void sparse_momentum_update(Tensor& var, Tensor& accum, const RowSparse& grad, double lr, double momentum);
}  // namespace s2s::kern
