#pragma once
// Owns: RowSparse, a gradient of a [V, D] parameter that is non-zero only in some rows (TF's
// IndexedSlices): embedding lookups and the sampled-softmax rows of proj_w produce it.
// Invariant when `coalesced`: ids are sorted ascending and unique, so each row appears once
// (kernels/sparse_rows.h builds that form; optimizers and the reducer expect it).
#include <cstdint>

#include "s2s/core/tensor.h"

namespace s2s {

struct RowSparse {
  Tensor ids;              // int32 [K], on the rows' device
  Tensor rows;             // [K, D], the parameter's dtype
  std::int64_t vocab = 0;  // V: rows of the dense parameter
  bool coalesced = false;  // ids sorted and unique

  bool defined() const { return ids.defined(); }
  std::int64_t count() const { return ids.defined() ? ids.numel() : 0; }
  std::int64_t width() const { return rows.defined() && rows.ndim() == 2 ? rows.dim(1) : 0; }
};

}  // namespace s2s
