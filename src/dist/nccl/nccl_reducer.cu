// Owns: NcclReducer, the CUDA GradientReducer (built only with S2S_WITH_CUDA; no MPI headers:
// MPI reaches it through the NcclBootstrap callbacks, see s2s/dist/nccl_reducer.h).
//
// Per bucket: gradients are copied device-to-device into the bucket buffer on the compute stream
// (ordered after the kernels that produced them); when the bucket is full an event is recorded
// there, the dedicated high-priority communication stream waits for it and runs
// ncclAllReduce(ncclAvg) in place, so the all-reduce runs on the GPU while backward continues.
// ncclAvg divides by the world size, so no kernel is needed.
//
// No host waits in a step: finish() flushes, records the step's end of communication, makes the
// compute stream wait for it (cudaStreamWaitEvent), queues the unpack copies there and returns.
// Each step records its events into one slot of a StepRing (s2s/dist/step_ring.h,
// ReducerOptions::max_steps_in_flight deep): completed steps are harvested with cudaEventQuery
// (non-blocking) at the next step's start and at the end of finish(); only when every slot is in
// flight does the next step wait for the oldest, with the deadline-aware poll (wait_event:
// cudaEventQuery + ncclCommGetAsyncError until the World's deadline, then ncclCommAbort +
// on_timeout). synchronize() drains the ring the same way. Buffers are safe to reuse across
// steps without host waits because every access to them is ordered on the GPU: step i's
// all-reduce (comm stream) -> step i's unpack (compute stream, after the wait on its end event)
// -> step i+1's packing (compute stream) -> step i+1's all-reduce (after its packed event).
//
// Statistics are taken on the device timeline (CUDA events), because the host runs ahead of the
// GPU: comm_s = first all-reduce start -> last end; wait_s = backward end (event recorded on the
// compute stream when finish() is called) -> last all-reduce end, i.e. the exposed part. They are
// read when the step's events have completed (see ReduceStats in gradient_reducer.h).
// The communicator is non-blocking (ncclConfig_t::blocking = 0) so that initialisation and
// enqueueing can be abandoned by deadline, too.
//
// Not for CUDA stream capture: cudaEventQuery is not permitted on an event recorded in a
// capturing stream, and the ring is host state a graph replay would not update (keep the
// reducer's calls outside captured regions).
#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "s2s/core/cuda_check.h"
#include "s2s/dist/bucket_plan.h"
#include "s2s/dist/nccl_reducer.h"
#include "s2s/dist/step_ring.h"

namespace s2s::dist {
namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The events of one step (timing enabled except `unpacked`) and what a timeout message names.
struct StepEvents {
  cudaEvent_t backward_end = nullptr;  // compute stream, at finish() entry
  cudaEvent_t comm_start = nullptr;    // comm stream, before the first all-reduce (if any)
  cudaEvent_t comm_end = nullptr;      // comm stream, after the last all-reduce
  cudaEvent_t unpacked = nullptr;      // compute stream, after the unpack copies
  std::size_t step = 0, buckets = 0, bytes = 0;
};

std::size_t checked_depth(std::size_t max_steps_in_flight) {
  S2S_CHECK(max_steps_in_flight >= 1 && max_steps_in_flight <= StepRing::kMaxDepth,
            "ReducerOptions::max_steps_in_flight must be in [1, ", StepRing::kMaxDepth, "], got ",
            max_steps_in_flight);
  return max_steps_in_flight;
}

class NcclReducer final : public GradientReducer {
 public:
  NcclReducer(const NcclBootstrap& boot, const ReducerOptions& options)
      : boot_(boot), options_(options), ring_(checked_depth(options.max_steps_in_flight)) {
    S2S_CHECK(boot_.broadcast_from_root, "NcclBootstrap needs broadcast_from_root");
    S2S_CHECK(boot_.size >= 1 && boot_.rank >= 0 && boot_.rank < boot_.size, "NcclBootstrap: rank ",
              boot_.rank, " of ", boot_.size);
    S2S_CHECK(options.bucket_bytes >= 8 && options.bucket_bytes <= (std::size_t{1} << 30),
              "bucket_bytes must be in [8 B, 1 GiB], got ", options.bucket_bytes);
    if (boot_.device >= 0) S2S_CUDA_CHECK(cudaSetDevice(boot_.device));
    S2S_CUDA_CHECK(cudaGetDevice(&device_));
    compute_ = static_cast<cudaStream_t>(options.cuda_stream);

    ncclUniqueId id{};
    if (boot_.rank == 0) S2S_NCCL_CHECK(ncclGetUniqueId(&id));
    boot_.broadcast_from_root(&id, sizeof(id));
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    check_enqueue(ncclCommInitRankConfig(&comm_, boot_.size, id, boot_.rank, &config),
                  "ncclCommInitRankConfig");
    wait_comm_ready("NCCL communicator initialisation");

    int least = 0, greatest = 0;
    S2S_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
    S2S_CUDA_CHECK(cudaStreamCreateWithPriority(&comm_stream_, cudaStreamNonBlocking, greatest));
    slots_.resize(ring_.depth());
    for (StepEvents& s : slots_) {  // created once: steps reuse them (no per-step create/destroy)
      for (cudaEvent_t* e : {&s.backward_end, &s.comm_start, &s.comm_end})
        S2S_CUDA_CHECK(cudaEventCreate(e));
      S2S_CUDA_CHECK(cudaEventCreateWithFlags(&s.unpacked, cudaEventDisableTiming));
    }
  }

  ~NcclReducer() override {
    if (comm_ != nullptr) {
      if (plan_.in_step() || std::uncaught_exceptions() > 0) {
        // An abandoned step, or unwinding from an error: the peers' state is unknown, do not wait.
        ncclCommAbort(comm_);
      } else {
        try {
          synchronize();  // the queued steps first (deadline-guarded), then a clean finalize
        } catch (...) {
        }
        if (comm_ != nullptr) finalize_or_abort();
      }
    }
    // After the drain every queued step's copies have completed. After an abort (error paths
    // only) NCCL's kernels exit, and cudaFree may synchronize implicitly before releasing memory.
    for (void* b : buffers_) cudaFree(b);
    for (cudaEvent_t e : packed_) cudaEventDestroy(e);
    for (const StepEvents& s : slots_)
      for (cudaEvent_t e : {s.backward_end, s.comm_start, s.comm_end, s.unpacked})
        if (e != nullptr) cudaEventDestroy(e);
    if (comm_stream_ != nullptr) cudaStreamDestroy(comm_stream_);
  }

  std::string_view name() const override { return "nccl"; }
  int world_size() const override { return boot_.size; }
  std::size_t steps_in_flight() const override { return ring_.in_flight(); }

  const ReduceStats& totals() const override {
    // Logically const: waiting for queued steps changes no observable result but the statistics
    // it completes. The object is never created const (make_nccl_reducer), so the cast is sound.
    if (comm_ != nullptr) const_cast<NcclReducer*>(this)->synchronize();
    return totals_;
  }

  void synchronize() override {
    S2S_CHECK(comm_ != nullptr, "NCCL reducer: the communicator was aborted after an earlier "
              "timeout or error; no further communication is possible");
    ring_.drain([&](std::size_t i) { wait_slot(i); }, [&](std::size_t i) { read_slot(i); });
  }

  void prepare(std::vector<Tensor> grads) override {
    plan_.configure_for(options_.bucket_bytes, grads, Device::CUDA, "nccl", "mpi");
    grads_ = std::move(grads);
    if (boot_.same_on_all_ranks)
      S2S_CHECK(boot_.same_on_all_ranks(plan_.layout_hash()),
                "ranks prepared different gradient lists (count, shapes or dtypes differ)");
  }

  void ready(const Tensor& grad) override {
    if (const std::size_t index = plan_.index_of(grad); index != BucketPlan::kNone) ready(index);
  }

  void ready(std::size_t index) override {
    if (!ring_.is_open()) begin_step();
    const auto t0 = Clock::now();
    plan_.add(index, [&](const BucketPlan::Segment& s) { pack(s); },
              [&](std::size_t b) { launch(b); });
    step_.pack_s += seconds_since(t0);
  }

  ReduceStats finish() override {
    if (!ring_.is_open()) begin_step();
    StepEvents& ev = slots_[ring_.open_slot()];
    step_.backward_s = seconds_since(t_first_ready_);
    S2S_CUDA_CHECK(cudaEventRecord(ev.backward_end, compute_));
    in_finish_ = true;
    const auto t0 = Clock::now();
    plan_.flush([&](const BucketPlan::Segment& s) { pack(s); }, [&](std::size_t b) { launch(b); });
    step_.pack_s += seconds_since(t0);
    S2S_CUDA_CHECK(cudaEventRecord(ev.comm_end, comm_stream_));
    // A host all-reduce of 16 bytes over MPI (World::all_equal): a rendezvous with the peers,
    // not a device synchronisation.
    const bool order_ok = !options_.verify_order || !boot_.same_on_all_ranks || boot_.size == 1 ||
                          boot_.same_on_all_ranks(plan_.order_hash());
    const auto t1 = Clock::now();
    S2S_CUDA_CHECK(cudaStreamWaitEvent(compute_, ev.comm_end, 0));
    if (order_ok) {
      for (const BucketPlan::Segment& s : plan_.segments())
        S2S_CUDA_CHECK(cudaMemcpyAsync(
            static_cast<char*>(grads_[s.tensor].raw()) + s.tensor_offset,
            static_cast<const char*>(buffers_[s.bucket]) + s.bucket_offset, s.bytes,
            cudaMemcpyDeviceToDevice, compute_));
    }
    S2S_CUDA_CHECK(cudaEventRecord(ev.unpacked, compute_));
    step_.unpack_s = seconds_since(t1);
    step_.steps = 1;
    ev.step = step_index_;
    ev.buckets = step_.buckets;
    ev.bytes = step_.bytes;
    ring_.commit();
    plan_.reset();
    in_finish_ = false;
    ++step_index_;
    S2S_CHECK(order_ok, "gradients became ready in a different order on different ranks (reducer "
              "step ", step_index_ - 1, "): every rank must run the same graph each step");
    check_async_error("NCCL gradient all-reduce (reducer step " + std::to_string(ev.step) + ")");
    harvest();
    ReduceStats host_part = step_;  // totals_ gets the device times when they are read
    totals_.accumulate(host_part);
    if (have_last_timed_) {
      step_.comm_s = last_timed_.comm_s;
      step_.wait_s = last_timed_.wait_s;
      step_.timed_steps = 1;
    }
    return step_;
  }

 private:
  void begin_step() {
    harvest();
    ring_.open([&](std::size_t i) { wait_slot(i); }, [&](std::size_t i) { read_slot(i); });
    step_ = ReduceStats{};
    t_first_ready_ = Clock::now();
  }

  // Reads every step in flight whose events have completed (no waiting).
  void harvest() {
    ring_.harvest([&](std::size_t i) { return slot_complete(i); },
                  [&](std::size_t i) { read_slot(i); });
  }

  static bool event_complete(cudaEvent_t e) {
    const cudaError_t q = cudaEventQuery(e);
    if (q == cudaErrorNotReady) return false;
    S2S_CUDA_CHECK(q);
    return true;
  }

  bool slot_complete(std::size_t i) const {
    const StepEvents& s = slots_[i];
    return event_complete(s.comm_end) && event_complete(s.backward_end) &&
           event_complete(s.unpacked);
  }

  // Waits for step slot i with the deadline (the all-reduce first: that is what can hang).
  void wait_slot(std::size_t i) {
    const StepEvents& s = slots_[i];
    const std::string step = "reducer step " + std::to_string(s.step);
    wait_event(s.comm_end, "NCCL gradient all-reduce of " + step + " (" +
                               std::to_string(s.buckets) + " bucket(s), " +
                               std::to_string(s.bytes) + " B)");
    wait_event(s.backward_end, "compute stream work before the finish() of " + step);
    wait_event(s.unpacked, "unpacking the averaged gradients of " + step);
  }

  // Folds the device times of completed step slot i into totals_ and last_timed_.
  void read_slot(std::size_t i) {
    const StepEvents& s = slots_[i];
    ReduceStats t;
    t.timed_steps = 1;
    if (s.buckets > 0) {
      float comm_ms = 0, exposed_ms = 0;
      S2S_CUDA_CHECK(cudaEventElapsedTime(&comm_ms, s.comm_start, s.comm_end));
      // Negative when every all-reduce had ended before backward did (nothing exposed).
      S2S_CUDA_CHECK(cudaEventElapsedTime(&exposed_ms, s.backward_end, s.comm_end));
      t.comm_s = comm_ms * 1e-3;
      t.wait_s = std::max(0.0f, exposed_ms) * 1e-3;
    }
    totals_.timed_steps += t.timed_steps;
    totals_.comm_s += t.comm_s;
    totals_.wait_s += t.wait_s;
    last_timed_ = t;
    have_last_timed_ = true;
  }

  void pack(const BucketPlan::Segment& s) {
    while (s.bucket >= buffers_.size()) {
      void* p = nullptr;
      S2S_CUDA_CHECK(cudaMalloc(&p, plan_.capacity()));
      buffers_.push_back(p);
      cudaEvent_t e = nullptr;
      S2S_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
      packed_.push_back(e);
    }
    S2S_CUDA_CHECK(cudaMemcpyAsync(static_cast<char*>(buffers_[s.bucket]) + s.bucket_offset,
                                   static_cast<const char*>(grads_[s.tensor].raw()) + s.tensor_offset,
                                   s.bytes, cudaMemcpyDeviceToDevice, compute_));
  }

  void launch(std::size_t b) {
    const BucketPlan::Bucket& bucket = plan_.buckets()[b];
    S2S_CUDA_CHECK(cudaEventRecord(packed_[b], compute_));
    S2S_CUDA_CHECK(cudaStreamWaitEvent(comm_stream_, packed_[b], 0));
    if (step_.buckets == 0)
      S2S_CUDA_CHECK(cudaEventRecord(slots_[ring_.open_slot()].comm_start, comm_stream_));
    ++step_.buckets;
    step_.bytes += bucket.bytes;
    step_.bucket_bytes_min =
        step_.buckets == 1 ? bucket.bytes : std::min(step_.bucket_bytes_min, bucket.bytes);
    step_.bucket_bytes_max = std::max(step_.bucket_bytes_max, bucket.bytes);
    if (!in_finish_) ++step_.buckets_during_backward;
    const bool f64 = bucket.dtype == DType::F64;
    check_enqueue(ncclAllReduce(buffers_[b], buffers_[b], bucket.bytes / (f64 ? 8 : 4),
                                f64 ? ncclDouble : ncclFloat, ncclAvg, comm_, comm_stream_),
                  "ncclAllReduce");
  }

  // A non-blocking communicator may answer ncclInProgress: wait until the call has been taken.
  void check_enqueue(ncclResult_t rc, const char* call) {
    if (rc == ncclInProgress) {
      wait_comm_ready(call);
      return;
    }
    if (rc != ncclSuccess)
      detail::external_call_failed("NCCL", call, ncclGetErrorString(rc), __FILE__, __LINE__);
  }

  // One non-blocking look at the communicator's asynchronous error state.
  void check_async_error(const std::string& what) {
    ncclResult_t state = ncclSuccess;
    S2S_NCCL_CHECK(ncclCommGetAsyncError(comm_, &state));
    if (state != ncclSuccess && state != ncclInProgress) async_error(state, what);
  }

  void wait_comm_ready(const std::string& what) {
    const auto t0 = Clock::now();
    for (;;) {
      ncclResult_t state = ncclSuccess;
      S2S_NCCL_CHECK(ncclCommGetAsyncError(comm_, &state));
      if (state == ncclSuccess) return;
      if (state != ncclInProgress) async_error(state, what);
      if (seconds_since(t0) > boot_.timeout_s) timeout(what, seconds_since(t0));
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  void wait_event(cudaEvent_t event, const std::string& what) {
    const auto t0 = Clock::now();
    for (;;) {
      const cudaError_t q = cudaEventQuery(event);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) S2S_CUDA_CHECK(q);
      check_async_error(what);
      const double waited = seconds_since(t0);
      if (waited > boot_.timeout_s) timeout(what, waited);
      std::this_thread::sleep_for(std::chrono::microseconds(waited < 1e-3 ? 5 : 100));
    }
  }

  // Destructor path of a healthy communicator: ncclCommFinalize (may answer ncclInProgress on a
  // non-blocking communicator), then destroy; abort if it does not finish within the deadline.
  void finalize_or_abort() {
    ncclResult_t state = ncclCommFinalize(comm_);
    const auto t0 = Clock::now();
    while (state == ncclInProgress && seconds_since(t0) < boot_.timeout_s)
      if (ncclCommGetAsyncError(comm_, &state) != ncclSuccess) break;
    if (state == ncclSuccess) ncclCommDestroy(comm_);
    else ncclCommAbort(comm_);
    comm_ = nullptr;
  }

  [[noreturn]] void timeout(const std::string& what, double waited) {
    ncclCommAbort(comm_);
    comm_ = nullptr;
    if (boot_.on_timeout) boot_.on_timeout(what, waited);
    S2S_FAIL("NCCL operation '", what, "' not complete after ", waited, " s (limit ",
             boot_.timeout_s, " s); communicator aborted");
  }

  [[noreturn]] void async_error(ncclResult_t state, const std::string& what) {
    const std::string message = std::string("NCCL asynchronous error during '") + what + "': " +
                                ncclGetErrorString(state) + " (" + ncclGetLastError(comm_) + ")";
    ncclCommAbort(comm_);
    comm_ = nullptr;
    if (boot_.on_async_error) boot_.on_async_error(message);
    S2S_FAIL(message);
  }

  NcclBootstrap boot_;
  ReducerOptions options_;
  int device_ = 0;
  ncclComm_t comm_ = nullptr;
  cudaStream_t compute_ = nullptr;
  cudaStream_t comm_stream_ = nullptr;
  StepRing ring_;
  std::vector<StepEvents> slots_;     // ring_.depth() event sets, one per step in flight
  BucketPlan plan_;
  std::vector<Tensor> grads_;
  std::vector<void*> buffers_;         // one per bucket (capacity bytes), kept across steps
  std::vector<cudaEvent_t> packed_;    // per bucket: its packing copies are done
  ReduceStats step_, totals_;
  ReduceStats last_timed_;             // device times of the most recently read step
  bool have_last_timed_ = false;
  Clock::time_point t_first_ready_{};
  bool in_finish_ = false;
  std::size_t step_index_ = 0;
};
}  // namespace

std::unique_ptr<GradientReducer> make_nccl_reducer(const NcclBootstrap& bootstrap,
                                                   const ReducerOptions& options) {
  return std::make_unique<NcclReducer>(bootstrap, options);
}

}  // namespace s2s::dist
