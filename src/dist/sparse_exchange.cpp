// Owns: SparseExchange (see s2s/dist/sparse_exchange.h): the count and id all-gathers, the
// union, the per-tensor choice between the union's rows and the dense buffer, the all-reduce and
// the division by the world size.
#include "s2s/dist/sparse_exchange.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <mpi.h>

#include "s2s/core/mpi_check.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// dst [n] = dst / size, the dense reducer's unpack expression.
template <class T>
void divide(T* x, std::size_t n, int size) {
  const T divisor = static_cast<T>(size);
  for (std::size_t i = 0; i < n; ++i) x[i] = x[i] / divisor;
}

void divide_tensor(Tensor& t, int size) {
  if (size == 1) return;
  dispatch_floating(t.dtype(), [&](auto zero) {
    using T = decltype(zero);
    divide(t.data<T>(), static_cast<std::size_t>(t.numel()), size);
  });
}

MPI_Datatype mpi_type(DType dt) { return dt == DType::F64 ? MPI_DOUBLE : MPI_FLOAT; }

}  // namespace

SparseMode parse_sparse_mode(std::string_view text) {
  if (text == "auto") return SparseMode::Auto;
  if (text == "sparse") return SparseMode::Sparse;
  if (text == "dense") return SparseMode::Dense;
  S2S_FAIL("sparse exchange mode must be auto, sparse or dense, got '", text, "'");
}

std::string_view to_string(SparseMode mode) {
  switch (mode) {
    case SparseMode::Auto: return "auto";
    case SparseMode::Sparse: return "sparse";
    case SparseMode::Dense: return "dense";
  }
  return "?";
}

void SparseExchangeStats::accumulate(const SparseExchangeStats& s) {
  tensors += s.tensors;
  dense_fallbacks += s.dense_fallbacks;
  union_rows += s.union_rows;
  union_rows_sent += s.union_rows_sent;
  count_bytes += s.count_bytes;
  id_bytes += s.id_bytes;
  reduce_bytes += s.reduce_bytes;
  dense_bytes += s.dense_bytes;
  comm_s += s.comm_s;
}

std::string SparseExchangeStats::summary() const {
  return fmt::format("sparse exchange: {} tensor(s) ({} dense), {} union row(s) ({} sent as rows), {} B sent "
                     "(counts {} B, ids {} B, rows {} B) vs {} B dense, {:.3f} ms",
                     tensors, dense_fallbacks, union_rows, union_rows_sent, payload_bytes(), count_bytes, id_bytes,
                     reduce_bytes, dense_bytes, comm_s * 1e3);
}

SparseExchange::SparseExchange(World& world, SparseMode mode) : world_(world), mode_(mode) {}

SparseExchangeStats SparseExchange::take_step() {
  SparseExchangeStats s = step_;
  totals_.accumulate(s);
  step_ = SparseExchangeStats{};
  return s;
}

RowSparse SparseExchange::average(const RowSparse& g, Tensor& dense, std::string_view name) {
  S2S_CHECK(g.defined() && g.coalesced, "sparse exchange of '", name, "': needs a coalesced row-sparse gradient");
  S2S_CHECK(g.rows.device() == Device::CPU && dense.device() == Device::CPU, "sparse exchange of '", name,
            "': host tensors only (the NCCL reducer has no sparse exchange)");
  S2S_CHECK(dense.ndim() == 2 && dense.dim(0) == g.vocab && dense.dim(1) == g.width() &&
                dense.dtype() == g.rows.dtype(),
            "sparse exchange of '", name, "': buffer ", dtype_name(dense.dtype()), " ", shape_str(dense.shape()),
            " does not fit the gradient's ", g.vocab, " rows of ", dtype_name(g.rows.dtype()), " ",
            shape_str(g.rows.shape()));
  const double t0 = now();
  const int n = world_.size();
  const std::int64_t width = dense.dim(1);
  const std::size_t row_bytes = static_cast<std::size_t>(width) * dtype_size(dense.dtype());
  const std::size_t dense_bytes = static_cast<std::size_t>(g.vocab) * row_bytes;
  ++step_.tensors;
  step_.dense_bytes += dense_bytes;
  const bool mpi = world_.uses_mpi() && n > 1;

  auto finish = [&](RowSparse out) {
    step_.comm_s += now() - t0;
    return out;
  };
  // 1. counts, 2. ids: every rank gets every rank's sorted ids.
  std::vector<std::int64_t> counts(static_cast<std::size_t>(n), g.count());
  step_.count_bytes += sizeof(std::int64_t);
  if (mpi) {
    MPI_Request req = MPI_REQUEST_NULL;
    const std::int64_t mine = g.count();
    S2S_MPI_CHECK(MPI_Iallgather(&mine, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, world_.comm(), &req));
    world_.wait({&req, 1}, fmt::format("row counts of sparse gradient '{}'", name));
  }
  std::int64_t total = 0;
  for (std::int64_t c : counts) total += c;
  S2S_CHECK(total <= INT32_MAX, "sparse exchange of '", name, "': ", total, " ids exceed MPI's int counts");
  std::vector<std::int32_t> all_ids(static_cast<std::size_t>(total));
  step_.id_bytes += static_cast<std::size_t>(g.count()) * sizeof(std::int32_t);
  if (mpi) {
    std::vector<int> recv_counts(counts.size()), displs(counts.size());
    for (std::size_t r = 0, at = 0; r < counts.size(); ++r) {
      recv_counts[r] = static_cast<int>(counts[r]);
      displs[r] = static_cast<int>(at);
      at += static_cast<std::size_t>(counts[r]);
    }
    MPI_Request req = MPI_REQUEST_NULL;
    S2S_MPI_CHECK(MPI_Iallgatherv(g.ids.data<std::int32_t>(), static_cast<int>(g.count()), MPI_INT32_T,
                                  all_ids.data(), recv_counts.data(), displs.data(), MPI_INT32_T, world_.comm(),
                                  &req));
    world_.wait({&req, 1}, fmt::format("row ids of sparse gradient '{}' ({} ids)", name, total));
  } else {
    std::copy_n(g.ids.data<std::int32_t>(), g.count(), all_ids.begin());
  }
  std::sort(all_ids.begin(), all_ids.end());
  all_ids.erase(std::unique(all_ids.begin(), all_ids.end()), all_ids.end());
  const std::int64_t u = static_cast<std::int64_t>(all_ids.size());

  // 3. the cheaper payload, decided from values every rank has (the same choice everywhere).
  const std::size_t sparse_cost = static_cast<std::size_t>(u) * row_bytes;
  const std::size_t id_cost = static_cast<std::size_t>(total) * sizeof(std::int32_t);
  step_.union_rows += static_cast<std::size_t>(u);
  const bool go_dense = mode_ == SparseMode::Dense || (mode_ == SparseMode::Auto && id_cost + sparse_cost >= dense_bytes);

  // 4. the union's rows: all-reduced as such, or read back from the all-reduced dense buffer (the
  // result is the same RowSparse either way, so the optimizer's sparse rule never depends on the
  // choice).
  Tensor rows = Tensor::zeros({u, width}, dense.dtype());
  if (go_dense) {
    ++step_.dense_fallbacks;
    step_.reduce_bytes += dense_bytes;
    dense.fill_zero();
    const std::int32_t* ids = g.ids.data<std::int32_t>();
    for (std::int64_t j = 0; j < g.count(); ++j)
      std::memcpy(static_cast<std::byte*>(dense.raw()) + ids[j] * row_bytes,
                  static_cast<const std::byte*>(g.rows.raw()) + j * row_bytes, row_bytes);
    if (mpi) {
      MPI_Request req = MPI_REQUEST_NULL;
      S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, dense.raw(), static_cast<int>(dense.numel()),
                                   mpi_type(dense.dtype()), MPI_SUM, world_.comm(), &req));
      world_.wait({&req, 1}, fmt::format("dense exchange of sparse gradient '{}' ({} B)", name, dense_bytes));
    }
    divide_tensor(dense, n);
    for (std::int64_t j = 0; j < u; ++j)
      std::memcpy(static_cast<std::byte*>(rows.raw()) + j * row_bytes,
                  static_cast<const std::byte*>(dense.raw()) + all_ids[static_cast<std::size_t>(j)] * row_bytes,
                  row_bytes);
    return finish(RowSparse{Tensor::from_vector({u}, all_ids), rows, g.vocab, true});
  }
  const std::int32_t* mine = g.ids.data<std::int32_t>();
  for (std::int64_t j = 0, at = 0; j < g.count(); ++j) {
    while (all_ids[static_cast<std::size_t>(at)] != mine[j]) ++at;  // both sorted: a merge walk
    std::memcpy(static_cast<std::byte*>(rows.raw()) + at * row_bytes,
                static_cast<const std::byte*>(g.rows.raw()) + j * row_bytes, row_bytes);
  }
  step_.reduce_bytes += sparse_cost;
  step_.union_rows_sent += static_cast<std::size_t>(u);
  if (mpi && u > 0) {
    S2S_CHECK(rows.numel() <= INT32_MAX, "sparse exchange of '", name, "': too many elements for one all-reduce");
    MPI_Request req = MPI_REQUEST_NULL;
    S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, rows.raw(), static_cast<int>(rows.numel()), mpi_type(rows.dtype()),
                                 MPI_SUM, world_.comm(), &req));
    world_.wait({&req, 1}, fmt::format("sparse all-reduce of '{}' ({} union rows, {} B)", name, u, sparse_cost));
  }
  divide_tensor(rows, n);
  return finish(RowSparse{Tensor::from_vector({u}, all_ids), rows, g.vocab, true});
}

void SparseExchange::average_dense(Tensor& dense, std::string_view name) {
  S2S_CHECK(dense.device() == Device::CPU && is_floating(dense.dtype()), "sparse exchange of '", name,
            "': host float tensors only");
  const double t0 = now();
  ++step_.tensors;
  ++step_.dense_fallbacks;
  step_.dense_bytes += dense.nbytes();
  step_.reduce_bytes += dense.nbytes();
  if (world_.uses_mpi() && world_.size() > 1) {
    MPI_Request req = MPI_REQUEST_NULL;
    S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, dense.raw(), static_cast<int>(dense.numel()), mpi_type(dense.dtype()),
                                 MPI_SUM, world_.comm(), &req));
    world_.wait({&req, 1}, fmt::format("dense exchange of '{}' ({} B)", name, dense.nbytes()));
  }
  divide_tensor(dense, world_.size());
  step_.comm_s += now() - t0;
}

}  // namespace s2s::dist
