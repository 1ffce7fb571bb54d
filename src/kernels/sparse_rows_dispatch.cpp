// Owns: Tensor-level dispatch of the row-sparse kernels (kernels/sparse_rows.h).
#include "dispatch.h"
#include "s2s/kernels/sparse_rows.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::kern {

using namespace detail;

namespace {
void check_sparse(const char* op, const Tensor& dense, const RowSparse& g) {
  S2S_CHECK(g.defined() && g.rows.defined(), op, ": undefined sparse gradient");
  S2S_CHECK(dense.ndim() == 2 && dense.dim(0) == g.vocab, op, ": parameter ", shape_str(dense.shape()),
            " does not have the sparse gradient's ", g.vocab, " rows");
  S2S_CHECK(g.rows.ndim() == 2 && g.rows.dim(0) == g.ids.numel() && g.rows.dim(1) == dense.dim(1), op,
            ": sparse rows ", shape_str(g.rows.shape()), " for ", g.ids.numel(), " ids and a parameter ",
            shape_str(dense.shape()));
  check_same(op, dense, {&g.rows});
  check_ids(op, g.ids, dense);
}
}  // namespace

RowSparse coalesce_rows(const Tensor& ids, const Tensor& rows, std::int64_t vocab) {
  S2S_CHECK(rows.ndim() == 2 && rows.dim(0) == ids.numel(), "coalesce_rows: rows ", shape_str(rows.shape()),
            " for ", ids.numel(), " ids");
  check_ids("coalesce_rows", ids, rows);
  const std::int64_t n = ids.numel(), dim = rows.dim(1);
  Tensor out_ids = Tensor::empty({n}, DType::I32, rows.device());
  Tensor out_rows = Tensor::empty({n, dim}, rows.dtype(), rows.device());
  std::int64_t k = 0;
  dispatch("coalesce_rows", rows,
      [&](auto t) {
        using T = decltype(t);
        k = cpu::coalesce_rows<T>(iptr(out_ids), ptr<T>(out_rows), iptr(ids), ptr<T>(rows), n, vocab, dim);
      },
      [&] { k = cuda::coalesce_rows(iptr(out_ids), fptr(out_rows), iptr(ids), fptr(rows), n, vocab, dim); });
  return RowSparse{out_ids.rows(0, k), out_rows.rows(0, k), vocab, true};
}

RowSparse coalesced(const RowSparse& g) { return g.coalesced ? g : coalesce_rows(g.ids, g.rows, g.vocab); }

void add_row_sparse(Tensor& dense, const RowSparse& g) {
  check_sparse("add_row_sparse", dense, g);
  embedding_scatter_add(dense, g.rows, g.ids);
}

void sparse_sgd_update(Tensor& var, const RowSparse& grad, double lr) {
  check_sparse("sparse_sgd_update", var, grad);
  const RowSparse g = coalesced(grad);
  const std::int64_t k = g.count(), vocab = var.dim(0), dim = var.dim(1);
  dispatch("sparse_sgd_update", var,
      [&](auto t) { using T = decltype(t); cpu::sparse_sgd_update<T>(ptr<T>(var), iptr(g.ids), ptr<T>(g.rows), T(lr), k, vocab, dim); },
      [&] { cuda::sparse_sgd_update(fptr(var), iptr(g.ids), fptr(g.rows), float(lr), k, vocab, dim); });
}

void sparse_momentum_update(Tensor& var, Tensor& accum, const RowSparse& grad, double lr, double momentum) {
  check_sparse("sparse_momentum_update", var, grad);
  check_same("sparse_momentum_update", var, {&accum});
  check_numel("sparse_momentum_update", var, accum);
  const RowSparse g = coalesced(grad);
  const std::int64_t k = g.count(), vocab = var.dim(0), dim = var.dim(1);
  dispatch("sparse_momentum_update", var,
      [&](auto t) {
        using T = decltype(t);
        cpu::sparse_momentum_update<T>(ptr<T>(var), ptr<T>(accum), iptr(g.ids), ptr<T>(g.rows), T(lr), T(momentum), k,
                                       vocab, dim);
      },
      [&] {
        cuda::sparse_momentum_update(fptr(var), fptr(accum), iptr(g.ids), fptr(g.rows), float(lr), float(momentum), k,
                                     vocab, dim);
      });
}

}  // namespace s2s::kern
