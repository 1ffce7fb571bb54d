#pragma once
// Owns: the GradientReducer interface (average the gradients of all ranks, overlapped with
// backward), its options and statistics, and the factory by name ("mpi", "nccl").
//
// Use per training step:
//   reducer->prepare(grads);                          // once: every parameter's gradient buffer
//   tape.backward(loss, [&](const ag::Var& p) { reducer->ready(p.grad()); });
//   ReduceStats s = reducer->finish();                // grads now hold the average over ranks
//   ...
//   reducer->synchronize();                           // at sync points: all queued steps done
// ready() copies the gradient into the current fusion bucket (one open bucket per dtype, fixed
// capacity `bucket_bytes`; a tensor larger than the space left is split across buckets) and
// launches each bucket's all-reduce as soon as it is full, so communication runs while backward
// continues. finish() packs the gradients that never became ready (unused parameters: their
// current buffer contents, normally zero) in prepare() order, launches the partial buckets and
// completes the step in the reducer's execution order:
//  - mpi: finish() waits (with the World's deadline), unpacks and divides on the host; when it
//    returns the gradients hold the average. synchronize() has nothing to do.
//  - nccl: finish() does not wait on the host. The unpack is queued on the compute stream behind
//    the all-reduces, so work enqueued on that stream after finish() sees the averaged gradients;
//    the host may run up to ReducerOptions::max_steps_in_flight steps ahead of the communication
//    (then the next step's first ready()/finish() waits for the oldest, with the deadline).
//    synchronize() waits, with the deadline and NCCL's asynchronous error check, until every
//    finished step's all-reduce and unpack have completed: call it before the host blocks on
//    the device (cudaStreamSynchronize) so that a hung peer is reported as a timeout naming the
//    operation instead of an endless wait.
//
// Invariants: every rank prepares the same list (count, shapes, dtypes: checked collectively in
// prepare) and marks gradients ready in the same order (same graph on every rank; checked in
// finish() when ReducerOptions::verify_order). The gradient buffers must stay allocated and
// unmodified (by the host, or by another stream) between ready() and the completion of the step.
//
// This header is free of MPI and CUDA so the CUDA reducer (src/dist/nccl/) can implement it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/core/tensor.h"

namespace s2s::dist {

class World;

struct ReducerOptions {
  std::size_t bucket_bytes = 8u << 20;  // fusion bucket capacity (rounded down to a multiple of 8)
  // finish(): one extra 16-byte host all-reduce (MPI) checking the ready order. It is a host
  // rendezvous with the other ranks each step, never a wait on the device.
  bool verify_order = true;
  // NCCL only: the cudaStream_t the gradients are produced on. Packing is ordered after it and
  // unpacking is enqueued on it. nullptr: make_reducer uses the s2s CUDA context's stream (the one
  // every kernel runs on) when the backend is initialised; make_nccl_reducer takes nullptr as the
  // legacy default stream, which does NOT order with the context's non-blocking stream.
  void* cuda_stream = nullptr;
  // NCCL only: finished steps whose all-reduce may still be running on the device (1..64). When
  // that many are in flight, the next step first waits for the oldest (deadline-guarded).
  std::size_t max_steps_in_flight = 4;
};

// Statistics of one step (finish() returns them) or of all steps so far (totals()).
//
// Host-side fields (steps .. buckets_during_backward, backward_s, pack_s, unpack_s) are those of
// the step finish() completes. The communication times comm_s and wait_s come from
// `timed_steps` steps: for mpi always the same step (timed_steps = 1). For nccl they are measured
// on the device timeline (CUDA events) and read only once the step has completed there, without
// waiting: finish() returns those of the most recent step known to have completed (usually an
// earlier one; timed_steps = 0 and both 0 while none has), and totals() (after synchronize())
// sums them over every step.
struct ReduceStats {
  std::size_t steps = 0;
  std::size_t buckets = 0;                 // all-reduces launched
  std::size_t bytes = 0;                   // gradient bytes reduced (per rank)
  std::size_t bucket_bytes_min = 0;        // smallest / largest bucket actually sent
  std::size_t bucket_bytes_max = 0;
  std::size_t buckets_during_backward = 0; // launched by ready(), i.e. before finish() was called
  std::size_t timed_steps = 0;             // steps whose comm_s and wait_s are included
  double backward_s = 0;  // first ready() -> finish() entry (backward time seen by the reducer)
  double pack_s = 0;      // copying gradients into buckets (host time)
  double comm_s = 0;      // first launch -> last all-reduce complete
  // The exposed part of comm_s: mpi: the time finish() blocked for communication; nccl: backward
  // end on the compute stream -> last all-reduce complete (device time).
  double wait_s = 0;
  double unpack_s = 0;    // copying back and dividing by the world size (host time)
  // Row-sparse gradients exchanged beside the buckets (sparse_exchange.h; filled by the trainer):
  // bytes this rank handed to MPI for them, and what their dense all-reduce would have carried.
  std::size_t sparse_bytes = 0;
  std::size_t sparse_dense_bytes = 0;
  std::size_t sparse_tensors = 0;         // row-sparse tensors exchanged
  std::size_t sparse_dense_tensors = 0;   // of which with the dense payload
  std::size_t sparse_ids = 0;             // ΣK: row ids this rank sent
  std::size_t sparse_union_rows = 0;      // ΣU over the tensors sent as the union's rows
  // Bytes this rank passed to collectives this step: bucketed dense gradients + sparse exchange.
  std::size_t exchanged_bytes() const { return bytes + sparse_bytes; }

  // Fraction of communication time hidden behind backward: 1 - wait_s / comm_s (1 when there
  // was nothing to wait for, 0 when no bucket left before finish()). Meaningless when
  // timed_steps == 0 (nccl: no step timed yet).
  double hidden_fraction() const {
    if (comm_s <= 0) return buckets_during_backward > 0 ? 1.0 : 0.0;
    return std::clamp(1.0 - wait_s / comm_s, 0.0, 1.0);
  }
  double mean_bucket_bytes() const { return buckets ? double(bytes) / double(buckets) : 0.0; }
  std::string summary() const {  // one line for logs
    char line[384];
    std::snprintf(line, sizeof(line),
                  "%zu step(s), %zu bucket(s) (%zu during backward), %.3f MB, bucket %zu..%zu B; "
                  "backward %.3f ms, comm %.3f ms, exposed wait %.3f ms, hidden %.0f%%, "
                  "pack %.3f ms, unpack %.3f ms",
                  steps, buckets, buckets_during_backward, bytes / 1e6, bucket_bytes_min,
                  bucket_bytes_max, backward_s * 1e3, comm_s * 1e3, wait_s * 1e3,
                  hidden_fraction() * 100, pack_s * 1e3, unpack_s * 1e3);
    std::string out = line;
    if (sparse_dense_bytes > 0) {
      std::snprintf(line, sizeof(line), "; sparse rows %.3f MB (dense would be %.3f MB)", sparse_bytes / 1e6,
                    sparse_dense_bytes / 1e6);
      out += line;
    }
    if (timed_steps != steps) {  // nccl: device times not (yet) of every step counted here
      std::snprintf(line, sizeof(line), " (comm times of %zu timed step(s))", timed_steps);
      out += line;
    }
    return out;
  }
  void accumulate(const ReduceStats& s) {
    if (s.buckets > 0) {
      bucket_bytes_min = buckets ? std::min(bucket_bytes_min, s.bucket_bytes_min) : s.bucket_bytes_min;
      bucket_bytes_max = std::max(bucket_bytes_max, s.bucket_bytes_max);
    }
    steps += s.steps;
    buckets += s.buckets;
    bytes += s.bytes;
    buckets_during_backward += s.buckets_during_backward;
    timed_steps += s.timed_steps;
    backward_s += s.backward_s;
    pack_s += s.pack_s;
    comm_s += s.comm_s;
    wait_s += s.wait_s;
    unpack_s += s.unpack_s;
    sparse_bytes += s.sparse_bytes;
    sparse_dense_bytes += s.sparse_dense_bytes;
    sparse_tensors += s.sparse_tensors;
    sparse_dense_tensors += s.sparse_dense_tensors;
    sparse_ids += s.sparse_ids;
    sparse_union_rows += s.sparse_union_rows;
  }
};

class GradientReducer {
 public:
  virtual ~GradientReducer() = default;

  virtual std::string_view name() const = 0;  // "mpi", "nccl", "none"
  virtual int world_size() const = 0;

  // Registers the gradient buffers (all defined, floating point, on the reducer's device).
  // Collective: checks that every rank passes the same count, shapes and dtypes.
  virtual void prepare(std::vector<Tensor> grads) = 0;
  // Gradient `index` (position in prepare()) is final. Starts a step on the first call after
  // finish(); marking one gradient twice in a step is an error.
  virtual void ready(std::size_t index) = 0;
  // The same, identifying the gradient by its buffer (the Tensor passed to prepare, or one that
  // shares its data pointer, e.g. Var::grad()).
  virtual void ready(const Tensor& grad) = 0;
  // Completes the step: every prepared gradient holds the average over all ranks, on the host
  // when finish() returns (mpi) or for the work enqueued on the compute stream after it (nccl:
  // nothing is waited for on the host; see the header comment).
  virtual ReduceStats finish() = 0;

  // Waits until every finished step's communication has completed (deadline-guarded, naming the
  // operation on a timeout) and folds their device-timeline statistics into totals(). A step in
  // progress (ready() called, finish() not yet) is not waited for. Default: nothing to wait for.
  virtual void synchronize() {}
  // Finished steps whose communication may still be running on the device (nccl); 0 for mpi.
  virtual std::size_t steps_in_flight() const { return 0; }

  // Sums over all steps so far. nccl: synchronize()s first, so it is complete (and may block).
  virtual const ReduceStats& totals() const = 0;
};

// Creates a reducer by name: "mpi" (host buffers, MPI_Iallreduce), "nccl" (CUDA buffers,
// ncclAllReduce on a dedicated stream; throws if s2s was built without CUDA) or "none" (one rank
// only: the identity, single_rank_reducer.h). `world` must outlive the reducer.
std::unique_ptr<GradientReducer> make_reducer(std::string_view name, World& world,
                                              const ReducerOptions& options = {});
bool nccl_reducer_available();  // built with CUDA and NCCL

}  // namespace s2s::dist
