#pragma once
// Owns: SparseExchange, the cross-rank average of row-sparse gradients (RowSparse: embedding
// tables, the sampled-softmax proj_w; docs/distributed.md "Sparse gradients", docs/scaling.md).
// The dense parameters stay in the reducer's fusion buckets; each sparse one goes through
// average(), in the same order on every rank:
//   1. all-gather the ranks' row counts K_r (8 B each);
//   2. all-gather their (sorted, unique) row ids (4 K_r B each) and form the union U, the same
//      sorted list on every rank;
//   3. choose per tensor and step, identically on every rank, the cheaper payload:
//      sparse  U·D·s  vs  dense V·D·s  (the ids, 4 ΣK + 8 N, are counted with the sparse side);
//   4. sparse: all-reduce (MPI_SUM) a [U, D] buffer holding this rank's rows at their union
//      positions (zeros elsewhere) and divide by N; dense: all-reduce the [V, D] buffer holding
//      this rank's rows (zeros elsewhere), divide by N and read the union's rows back.
// The result is the same coalesced RowSparse over the union either way (so an optimizer's sparse
// rule, e.g. Momentum's touched rows, never depends on the choice). Every element is the sum over
// ranks of the same addends as the dense reducer's all-reduce (untouched rows contribute 0),
// divided the same way (x / N): equal to it whenever the MPI sum is order-independent (two
// ranks; or exactly representable sums, as the tests use; MPI does not specify its summation
// order across ranks). SparseMode::Dense always takes the dense payload (still after 1-2).
// Host (CPU) tensors only; every wait is the World's deadline-guarded one. In a Local World (one
// process) the average is the gradient itself and nothing is sent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "s2s/core/row_sparse.h"
#include "s2s/core/tensor.h"

namespace s2s::dist {

class World;

enum class SparseMode { Auto, Sparse, Dense };
SparseMode parse_sparse_mode(std::string_view text);  // "auto" | "sparse" | "dense"
std::string_view to_string(SparseMode mode);

// Bytes of one step (or of all steps, accumulated), per rank.
struct SparseExchangeStats {
  std::size_t tensors = 0;          // sparse tensors exchanged
  std::size_t dense_fallbacks = 0;  // of which sent densely (Mode::Dense, Auto's choice, average_dense)
  std::size_t union_rows = 0;       // Σ U over all tensors (the rows of the returned RowSparse)
  std::size_t union_rows_sent = 0;  // Σ U over the tensors sent as the union's rows (not dense)
  std::size_t count_bytes = 0;      // step 1: 8 B sent per rank per tensor
  std::size_t id_bytes = 0;         // step 2: 4 K_r B sent by this rank
  std::size_t reduce_bytes = 0;     // step 4: all-reduced payload (U·D·s or V·D·s)
  std::size_t dense_bytes = 0;      // what a dense all-reduce of the same tensors would carry (V·D·s)
  double comm_s = 0;                // wall time in average()
  std::size_t payload_bytes() const { return count_bytes + id_bytes + reduce_bytes; }
  void accumulate(const SparseExchangeStats& s);
  std::string summary() const;  // one line for logs
};

class SparseExchange {
 public:
  SparseExchange(World& world, SparseMode mode);

  // Collective (every rank, same tensors, same order). g: this rank's coalesced gradient of a
  // [V, D] parameter (host); dense: that parameter's [V, D] host gradient buffer, overwritten
  // (with the dense average) only when the exchange is dense. Returns the average over ranks as a
  // coalesced RowSparse over the union of the ranks' ids. `name` is for errors and timeouts.
  RowSparse average(const RowSparse& g, Tensor& dense, std::string_view name);
  // Collective: the dense all-reduce average of `dense` in place (a sparse parameter whose
  // gradient came out dense this step: ag::Var::take_sparse_grad's fallback). Counted as a
  // dense fallback.
  void average_dense(Tensor& dense, std::string_view name);

  // The statistics since the last call (one step), also added to totals().
  SparseExchangeStats take_step();
  const SparseExchangeStats& totals() const { return totals_; }

 private:
  World& world_;
  SparseMode mode_;
  SparseExchangeStats step_, totals_;
};

}  // namespace s2s::dist
