#pragma once
// Owns: SparseExchange, the cross-rank average of row-sparse gradients (RowSparse: embedding
// tables, the sampled-softmax proj_w; docs/distributed.md "Sparse gradients", docs/scaling.md).
// The dense parameters stay in the reducer's fusion buckets; each sparse one goes through
// average(), in the same order on every rank:
//   1. all-gather the ranks' row counts K_r (8 B each);
//   2. all-gather their (sorted, unique) row ids (4 K_r B each) and form the union U, the same
//      sorted list on every rank;
//   3. choose per tensor and step, identically on every rank, the cheaper payload:
//      sparse  4 ΣK + 8 N (ids, counts: already paid) + U·D·s  vs  dense V·D·s;
//   4. sparse: all-reduce (MPI_SUM) a [U, D] buffer holding this rank's rows at their union
//      positions (zeros elsewhere) and divide by N -> a coalesced RowSparse over U;
//      dense: all-reduce the [V, D] buffer holding this rank's rows (zeros elsewhere), divide by N.
// Either way every element is the sum over ranks of the same addends as the dense reducer's
// all-reduce (untouched rows contribute 0), divided the same way (x / N): equal to it whenever
// the MPI sum is order-independent (two ranks; or exactly representable sums, as the tests use;
// MPI does not specify its summation order across ranks).
// Mode::Dense skips steps 1-2 (a plain dense all-reduce: today's bytes).
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
  std::size_t dense_fallbacks = 0;  // of which sent densely (Mode::Dense, or Auto chose it)
  std::size_t union_rows = 0;       // Σ U over tensors exchanged sparsely
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
  // [V, D] parameter (host); dense: that parameter's [V, D] host gradient buffer, overwritten only
  // when the exchange is dense. Returns the average over ranks as a coalesced RowSparse, or an
  // undefined one when `dense` holds it. `name` is for errors and timeouts.
  RowSparse average(const RowSparse& g, Tensor& dense, std::string_view name);

  // The statistics since the last call (one step), also added to totals().
  SparseExchangeStats take_step();
  const SparseExchangeStats& totals() const { return totals_; }

 private:
  World& world_;
  SparseMode mode_;
  SparseExchangeStats step_, totals_;
};

}  // namespace s2s::dist
