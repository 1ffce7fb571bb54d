// Owns: NcclReducer, the CUDA GradientReducer (built only with S2S_WITH_CUDA; no MPI headers:
// MPI reaches it through the NcclBootstrap callbacks, see s2s/dist/nccl_reducer.h).
//
// Per bucket: gradients are copied device-to-device into the bucket buffer on the compute stream
// (ordered after the kernels that produced them); when the bucket is full an event is recorded
// there, the dedicated high-priority communication stream waits for it and runs
// ncclAllReduce(ncclAvg) in place, so the all-reduce runs on the GPU while backward continues.
// finish() flushes, polls completion (cudaEventQuery) together with ncclCommGetAsyncError until
// the World's deadline (then ncclCommAbort + on_timeout), and enqueues the unpack on the compute
// stream behind the communication. ncclAvg divides by the world size, so no kernel is needed.
//
// Statistics are taken on the device timeline (CUDA events), because the host runs ahead of the
// GPU: comm_s = first all-reduce start -> last end; wait_s = backward end (event recorded on the
// compute stream when finish() is called) -> last all-reduce end, i.e. the exposed part.
// The communicator is non-blocking (ncclConfig_t::blocking = 0) so that initialisation and
// enqueueing can be abandoned by deadline, too.
#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "s2s/core/cuda_check.h"
#include "s2s/dist/bucket_plan.h"
#include "s2s/dist/nccl_reducer.h"

namespace s2s::dist {
namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class NcclReducer final : public GradientReducer {
 public:
  NcclReducer(const NcclBootstrap& boot, const ReducerOptions& options)
      : boot_(boot), options_(options) {
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
    for (cudaEvent_t* e : {&ev_backward_end_, &ev_comm_start_, &ev_comm_end_})
      S2S_CUDA_CHECK(cudaEventCreate(e));
  }

  ~NcclReducer() override {
    if (comm_ != nullptr) {
      if (plan_.in_step()) {
        ncclCommAbort(comm_);  // an abandoned step: the peers' state is unknown
      } else {
        ncclResult_t state = ncclCommFinalize(comm_);  // may answer ncclInProgress
        const auto t0 = Clock::now();
        while (state == ncclInProgress && seconds_since(t0) < boot_.timeout_s)
          if (ncclCommGetAsyncError(comm_, &state) != ncclSuccess) break;
        if (state == ncclSuccess) ncclCommDestroy(comm_);
        else ncclCommAbort(comm_);
      }
    }
    for (void* b : buffers_) cudaFree(b);
    for (cudaEvent_t e : packed_) cudaEventDestroy(e);
    for (cudaEvent_t e : {ev_backward_end_, ev_comm_start_, ev_comm_end_})
      if (e != nullptr) cudaEventDestroy(e);
    if (comm_stream_ != nullptr) cudaStreamDestroy(comm_stream_);
  }

  std::string_view name() const override { return "nccl"; }
  int world_size() const override { return boot_.size; }
  const ReduceStats& totals() const override { return totals_; }

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
    if (!plan_.in_step()) begin_step();
    const auto t0 = Clock::now();
    plan_.add(index, [&](const BucketPlan::Segment& s) { pack(s); },
              [&](std::size_t b) { launch(b); });
    step_.pack_s += seconds_since(t0);
  }

  ReduceStats finish() override {
    if (!plan_.in_step()) begin_step();
    step_.backward_s = seconds_since(t_first_ready_);
    S2S_CUDA_CHECK(cudaEventRecord(ev_backward_end_, compute_));
    in_finish_ = true;
    const auto t0 = Clock::now();
    plan_.flush([&](const BucketPlan::Segment& s) { pack(s); }, [&](std::size_t b) { launch(b); });
    step_.pack_s += seconds_since(t0);
    S2S_CUDA_CHECK(cudaEventRecord(ev_comm_end_, comm_stream_));
    const bool order_ok = !options_.verify_order || !boot_.same_on_all_ranks || boot_.size == 1 ||
                          boot_.same_on_all_ranks(plan_.order_hash());
    wait_event(ev_comm_end_, "NCCL gradient all-reduce of reducer step " +
                                 std::to_string(step_index_) + " (" +
                                 std::to_string(step_.buckets) + " bucket(s), " +
                                 std::to_string(step_.bytes) + " B)");
    if (step_.buckets > 0) {
      float comm_ms = 0, exposed_ms = 0;
      S2S_CUDA_CHECK(cudaEventElapsedTime(&comm_ms, ev_comm_start_, ev_comm_end_));
      S2S_CUDA_CHECK(cudaEventElapsedTime(&exposed_ms, ev_backward_end_, ev_comm_end_));
      step_.comm_s = comm_ms * 1e-3;
      step_.wait_s = std::max(0.0f, exposed_ms) * 1e-3;
    }
    const auto t1 = Clock::now();
    if (order_ok) {
      S2S_CUDA_CHECK(cudaStreamWaitEvent(compute_, ev_comm_end_, 0));
      for (const BucketPlan::Segment& s : plan_.segments())
        S2S_CUDA_CHECK(cudaMemcpyAsync(
            static_cast<char*>(grads_[s.tensor].raw()) + s.tensor_offset,
            static_cast<const char*>(buffers_[s.bucket]) + s.bucket_offset, s.bytes,
            cudaMemcpyDeviceToDevice, compute_));
    }
    step_.unpack_s = seconds_since(t1);
    step_.steps = 1;
    plan_.reset();
    in_finish_ = false;
    ++step_index_;
    S2S_CHECK(order_ok, "gradients became ready in a different order on different ranks (reducer "
              "step ", step_index_ - 1, "): every rank must run the same graph each step");
    totals_.accumulate(step_);
    return step_;
  }

 private:
  void begin_step() {
    step_ = ReduceStats{};
    t_first_ready_ = Clock::now();
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
    if (step_.buckets == 0) S2S_CUDA_CHECK(cudaEventRecord(ev_comm_start_, comm_stream_));
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
      ncclResult_t state = ncclSuccess;
      S2S_NCCL_CHECK(ncclCommGetAsyncError(comm_, &state));
      if (state != ncclSuccess && state != ncclInProgress) async_error(state, what);
      const double waited = seconds_since(t0);
      if (waited > boot_.timeout_s) timeout(what, waited);
      std::this_thread::sleep_for(std::chrono::microseconds(waited < 1e-3 ? 5 : 100));
    }
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
  cudaEvent_t ev_backward_end_ = nullptr, ev_comm_start_ = nullptr, ev_comm_end_ = nullptr;
  BucketPlan plan_;
  std::vector<Tensor> grads_;
  std::vector<void*> buffers_;         // one per bucket (capacity bytes), kept across steps
  std::vector<cudaEvent_t> packed_;    // per bucket: its packing copies are done
  ReduceStats step_, totals_;
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
