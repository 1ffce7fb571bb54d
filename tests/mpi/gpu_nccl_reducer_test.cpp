// Tests the NCCL reducer on one GPU without MPI (nranks = 1: NCCL refuses two ranks on one GPU),
// so the binary can be shipped to a GPU machine alone. With one rank the average is the gradient
// itself, which checks packing, splitting across buckets, the in-place ncclAllReduce(ncclAvg) and
// the unpack ordering on the compute stream. Skips when no CUDA device is usable.
//
// The host-wait-free step (finish() returns before the all-reduce has run; StepRing of event
// sets; synchronize()) is tested with a StreamGate: a host function enqueued on the compute stream
// that blocks it until the test releases it, so the host can enqueue steps the device cannot run
// yet. A finish() that waited on the host for the device would then hit the deadline instead of
// returning. To see the unpack, each gradient is overwritten (stream-ordered, after its packing
// copies were enqueued by ready()) with 0xFF bytes: only finish()'s queued copy-back restores it.
// Deadline paths run in a child process (death tests): they abort the communicator and exit 75,
// as World::abort_on_timeout does.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "s2s/core/tensor.h"
#include "s2s/dist/nccl_reducer.h"

namespace s2s::dist {
namespace {

// A minimal DeviceAllocator so that Tensors can live on the GPU in this MPI- and kernels-free test.
class PlainCudaAllocator : public DeviceAllocator {
 public:
  void* allocate(std::size_t bytes) override {
    void* p = nullptr;
    if (cudaMalloc(&p, std::max<std::size_t>(bytes, 1)) != cudaSuccess) throw Error("cudaMalloc failed");
    return p;
  }
  void deallocate(void* p, std::size_t) override { cudaFree(p); }
  void copy_to_host(void* h, const void* d, std::size_t n) override { cudaMemcpy(h, d, n, cudaMemcpyDeviceToHost); }
  void copy_from_host(void* d, const void* h, std::size_t n) override { cudaMemcpy(d, h, n, cudaMemcpyHostToDevice); }
  void copy_on_device(void* dst, const void* src, std::size_t n) override { cudaMemcpy(dst, src, n, cudaMemcpyDeviceToDevice); }
  void fill_zero(void* d, std::size_t n) override { cudaMemset(d, 0, n); }
};

bool have_gpu() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

class NcclReducerGpu : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    if (!have_gpu()) GTEST_SKIP() << "no usable CUDA device";
    if (device_allocator(Device::CUDA) == nullptr) set_device_allocator(Device::CUDA, &allocator_);
  }
  static inline PlainCudaAllocator allocator_;
};

TEST_P(NcclReducerGpu, OneRankAverageIsIdentity) {
  NcclBootstrap boot;
  boot.broadcast_from_root = [](void*, std::size_t) {};  // one rank: nothing to send
  boot.timeout_s = 60;
  ReducerOptions options;
  options.bucket_bytes = GetParam();
  auto reducer = make_nccl_reducer(boot, options);
  EXPECT_EQ(reducer->name(), "nccl");

  std::vector<Tensor> host = {Tensor::full({33, 5}, DType::F32, 0), Tensor::full({7}, DType::F64, 0),
                              Tensor::full({1000}, DType::F32, 0)};
  for (std::size_t t = 0; t < host.size(); ++t)
    dispatch_floating(host[t].dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* p = host[t].data<T>();
      for (std::int64_t k = 0; k < host[t].numel(); ++k) p[k] = static_cast<T>((k * 5 + t) % 13) - 6;
    });
  std::vector<Tensor> grads;
  for (const Tensor& h : host) grads.push_back(h.to(Device::CUDA));
  reducer->prepare(grads);
  for (int step = 0; step < 3; ++step) {
    reducer->ready(grads[2]);
    reducer->ready(grads[0]);  // grads[1] never becomes ready: finish() must still handle it
    ReduceStats s = reducer->finish();
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    EXPECT_EQ(s.bytes, 33u * 5 * 4 + 7 * 8 + 1000 * 4);
    EXPECT_GE(s.hidden_fraction(), 0.0);
    EXPECT_LE(s.hidden_fraction(), 1.0);
    for (std::size_t t = 0; t < host.size(); ++t) {
      Tensor back = grads[t].to(Device::CPU);
      EXPECT_EQ(std::memcmp(back.raw(), host[t].raw(), host[t].nbytes()), 0) << "tensor " << t;
    }
  }
  EXPECT_EQ(reducer->totals().steps, 3u);
}

INSTANTIATE_TEST_SUITE_P(Sizes, NcclReducerGpu,
                         ::testing::Values(std::size_t{64}, std::size_t{1000}, std::size_t{1} << 20));

// ---- steps without host waits -------------------------------------------------------------

#define CK(call)                                                                              \
  do {                                                                                        \
    const cudaError_t ck_rc_ = (call);                                                        \
    if (ck_rc_ != cudaSuccess)                                                                \
      throw std::runtime_error(std::string(#call) + ": " + cudaGetErrorString(ck_rc_));      \
  } while (0)

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Holds a stream at the point where hold() was called until release() (or destruction). The
// state is shared with the host function, so a gate destroyed early never leaves it dangling.
class StreamGate {
  struct State {
    std::mutex m;
    std::condition_variable cv;
    bool open = true;
  };

 public:
  StreamGate() : state_(std::make_shared<State>()) {}
  StreamGate(const StreamGate&) = delete;
  StreamGate& operator=(const StreamGate&) = delete;
  ~StreamGate() { release(); }

  void hold(cudaStream_t stream) {
    {
      std::lock_guard<std::mutex> lock(state_->m);
      state_->open = false;
    }
    auto* ref = new std::shared_ptr<State>(state_);
    const cudaError_t rc = cudaLaunchHostFunc(stream, &StreamGate::wait_open, ref);
    if (rc != cudaSuccess) {
      delete ref;
      release();
      throw std::runtime_error(std::string("cudaLaunchHostFunc: ") + cudaGetErrorString(rc));
    }
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(state_->m);
      state_->open = true;
    }
    state_->cv.notify_all();
  }

 private:
  static void CUDART_CB wait_open(void* p) {
    std::unique_ptr<std::shared_ptr<State>> ref(static_cast<std::shared_ptr<State>*>(p));
    State& state = **ref;
    std::unique_lock<std::mutex> lock(state.m);
    state.cv.wait(lock, [&] { return state.open; });
  }
  std::shared_ptr<State> state_;
};

// Page-locked host memory: async copies from pageable memory may wait for the stream (a held
// stream would then block the host).
struct Pinned {
  explicit Pinned(std::size_t bytes) { CK(cudaMallocHost(&data, std::max<std::size_t>(bytes, 1))); }
  Pinned(const Pinned&) = delete;
  Pinned& operator=(const Pinned&) = delete;
  ~Pinned() { cudaFreeHost(data); }
  unsigned char* bytes() { return static_cast<unsigned char*>(data); }
  void* data = nullptr;
};

// One NCCL reducer on its own non-blocking compute stream with three gradients (float32 33x5,
// float64 7, float32 1000; the float64 one is never marked ready unless all_ready) and, for each
// of `slots` step indices k (used modulo slots), page-locked input values and output snapshots.
class Rig {
 public:
  Rig(ReducerOptions options, int slots, double timeout_s = 30,
      std::function<void(std::string_view, double)> on_timeout = {})
      : slots_(slots) {
    CK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    const std::vector<Tensor> shapes = {Tensor::zeros({33, 5}, DType::F32),
                                        Tensor::zeros({7}, DType::F64),
                                        Tensor::zeros({1000}, DType::F32)};
    for (const Tensor& h : shapes) {
      offsets_.push_back(total_);
      sizes_.push_back(h.nbytes());
      total_ += h.nbytes();
      grads.push_back(h.to(Device::CUDA));
    }
    for (int k = 0; k < slots; ++k) {
      in_.push_back(std::make_unique<Pinned>(total_));
      out_.push_back(std::make_unique<Pinned>(total_));
      std::memset(out_.back()->data, 0, total_);
      fill_values(k, in_.back()->bytes());
    }
    NcclBootstrap boot;
    boot.broadcast_from_root = [](void*, std::size_t) {};
    boot.timeout_s = timeout_s;
    boot.on_timeout = std::move(on_timeout);
    options.cuda_stream = stream;
    reducer = make_nccl_reducer(boot, options);
    reducer->prepare(grads);
  }
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;
  ~Rig() {
    reducer.reset();  // drains its queued steps
    cudaStreamSynchronize(stream);
    grads.clear();
    in_.clear();
    out_.clear();
    cudaStreamDestroy(stream);
  }

  // Enqueues step k: upload its values, mark gradients ready (each overwritten with 0xFF bytes
  // right after its ready()), run `before_finish`, finish(), download the result.
  ReduceStats step(int k, const std::function<void()>& before_finish = {}) {
    unsigned char* in = in_[k % slots_]->bytes();
    for (std::size_t t = 0; t < grads.size(); ++t)
      CK(cudaMemcpyAsync(grads[t].raw(), in + offsets_[t], sizes_[t], cudaMemcpyHostToDevice, stream));
    for (std::size_t t : all_ready ? std::vector<std::size_t>{2, 1, 0} : std::vector<std::size_t>{2, 0}) {
      reducer->ready(grads[t]);
      CK(cudaMemsetAsync(grads[t].raw(), 0xFF, sizes_[t], stream));
    }
    if (before_finish) before_finish();
    const ReduceStats s = reducer->finish();
    unsigned char* out = out_[k % slots_]->bytes();
    for (std::size_t t = 0; t < grads.size(); ++t)
      CK(cudaMemcpyAsync(out + offsets_[t], grads[t].raw(), sizes_[t], cudaMemcpyDeviceToHost, stream));
    return s;
  }

  // After the stream has drained: step k's downloaded gradients equal its uploaded values (the
  // average over one rank). Returns a description of the first mismatch, or "".
  std::string mismatch(int k) {
    CK(cudaStreamSynchronize(stream));
    const unsigned char* want = in_[k % slots_]->bytes();
    const unsigned char* got = out_[k % slots_]->bytes();
    for (std::size_t t = 0; t < grads.size(); ++t)
      for (std::size_t b = 0; b < sizes_[t]; ++b)
        if (want[offsets_[t] + b] != got[offsets_[t] + b])
          return "step " + std::to_string(k) + ", tensor " + std::to_string(t) + ", byte " +
                 std::to_string(b) + ": want " + std::to_string(want[offsets_[t] + b]) + ", got " +
                 std::to_string(got[offsets_[t] + b]);
    return "";
  }

  std::size_t step_bytes() const { return total_; }

  cudaStream_t stream = nullptr;
  std::vector<Tensor> grads;
  std::unique_ptr<GradientReducer> reducer;
  bool all_ready = false;

 private:
  // Values of step k: small integers plus k/4, exact in float32 and float64, different per step.
  void fill_values(int k, unsigned char* dst) const {
    for (std::size_t t = 0; t < sizes_.size(); ++t) {
      const bool f64 = t == 1;
      const std::size_t n = sizes_[t] / (f64 ? 8 : 4);
      for (std::size_t i = 0; i < n; ++i) {
        const double v = double((i * 5 + t + 3 * std::size_t(k)) % 13) - 6 + 0.25 * (k % 64);
        if (f64) std::memcpy(dst + offsets_[t] + 8 * i, &v, 8);
        else {
          const float f = static_cast<float>(v);
          std::memcpy(dst + offsets_[t] + 4 * i, &f, 4);
        }
      }
    }
  }

  int slots_;
  std::size_t total_ = 0;
  std::vector<std::size_t> offsets_, sizes_;
  std::vector<std::unique_ptr<Pinned>> in_, out_;
};

class NcclReducerAsync : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_gpu()) GTEST_SKIP() << "no usable CUDA device";
    if (device_allocator(Device::CUDA) == nullptr) set_device_allocator(Device::CUDA, &allocator_);
  }
  static inline PlainCudaAllocator allocator_;
};

// Steps enqueued while the device cannot run them: finish() returns at once each time, and after
// synchronize() every step's gradients are its own (several steps in flight, buffers reused).
TEST_F(NcclReducerAsync, StepsRunAheadOfTheDeviceAndEachGetsItsOwnAverage) {
  for (const std::size_t bucket_bytes : {std::size_t{64}, std::size_t{1000}, std::size_t{1} << 20}) {
    SCOPED_TRACE("bucket_bytes " + std::to_string(bucket_bytes));
    ReducerOptions options;
    options.bucket_bytes = bucket_bytes;
    Rig rig(options, 5, /*timeout_s=*/10);
    rig.step(0);  // warm-up: bucket buffers allocated, NCCL's first launch done
    rig.reducer->synchronize();
    EXPECT_EQ(rig.reducer->steps_in_flight(), 0u);
    ASSERT_EQ(rig.mismatch(0), "");

    StreamGate gate;
    gate.hold(rig.stream);
    for (int k = 1; k <= 4; ++k) {  // 4 = the default max_steps_in_flight
      const auto t0 = Clock::now();
      rig.step(k);
      EXPECT_LT(seconds_since(t0), 2.0) << "finish() of step " << k << " waited for the device";
      EXPECT_EQ(rig.reducer->steps_in_flight(), std::size_t(k));
    }
    gate.release();
    rig.reducer->synchronize();
    EXPECT_EQ(rig.reducer->steps_in_flight(), 0u);
    for (int k = 1; k <= 4; ++k) EXPECT_EQ(rig.mismatch(k), "");
    EXPECT_EQ(rig.reducer->totals().steps, 5u);
  }
}

// Device times are read only once a step has completed there: none while the stream is held,
// all of them after synchronize(), and the next finish() reports a completed step's.
TEST_F(NcclReducerAsync, StatisticsArriveAfterSynchronize) {
  ReducerOptions options;
  options.bucket_bytes = std::size_t{1} << 20;
  Rig rig(options, 4, /*timeout_s=*/10);
  rig.all_ready = true;  // every bucket buffer is allocated by ready(), before the gate closes
  StreamGate gate;
  const ReduceStats s0 = rig.step(0, [&] { gate.hold(rig.stream); });
  EXPECT_EQ(s0.steps, 1u);
  EXPECT_EQ(s0.bytes, rig.step_bytes());
  EXPECT_EQ(s0.buckets, 2u);  // one float32, one float64 bucket, both closed by finish()
  EXPECT_EQ(s0.timed_steps, 0u);
  EXPECT_EQ(s0.comm_s, 0.0);
  EXPECT_EQ(s0.wait_s, 0.0);
  for (int k = 1; k <= 2; ++k) {
    const ReduceStats s = rig.step(k);
    EXPECT_EQ(s.timed_steps, 0u) << "step " << k << " reported device times of a step still held";
  }
  EXPECT_EQ(rig.reducer->steps_in_flight(), 3u);
  gate.release();
  rig.reducer->synchronize();
  EXPECT_EQ(rig.reducer->steps_in_flight(), 0u);
  const ReduceStats t = rig.reducer->totals();
  EXPECT_EQ(t.steps, 3u);
  EXPECT_EQ(t.timed_steps, 3u);
  EXPECT_EQ(t.bytes, 3 * rig.step_bytes());
  EXPECT_GE(t.comm_s, 0.0);  // (one rank, in place: NCCL may have next to nothing to do)
  EXPECT_GE(t.wait_s, 0.0);
  EXPECT_GE(t.hidden_fraction(), 0.0);
  EXPECT_LE(t.hidden_fraction(), 1.0);
  const ReduceStats s3 = rig.step(3);
  EXPECT_EQ(s3.timed_steps, 1u);
  EXPECT_GE(s3.comm_s, 0.0);
  for (int k = 0; k <= 3; ++k) EXPECT_EQ(rig.mismatch(k), "");
  EXPECT_EQ(rig.reducer->totals().timed_steps, 4u);  // totals() synchronizes
  EXPECT_EQ(rig.reducer->totals().steps, 4u);
}

// With every slot in flight the next step waits for the oldest (a bounded queue): the first two
// steps return at once, the third only once the device has run the first.
TEST_F(NcclReducerAsync, FullRingWaitsForTheOldestStep) {
  ReducerOptions options;
  options.bucket_bytes = 256;
  options.max_steps_in_flight = 2;
  Rig rig(options, 4, /*timeout_s=*/10);
  rig.step(0);
  rig.reducer->synchronize();
  StreamGate gate;
  gate.hold(rig.stream);
  const auto t0 = Clock::now();
  constexpr double kHeld = 0.5;
  std::jthread opener([&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(kHeld));
    gate.release();
  });
  rig.step(1);
  rig.step(2);
  const double t_two = seconds_since(t0);
  EXPECT_EQ(rig.reducer->steps_in_flight(), 2u);
  rig.step(3);
  const double t_three = seconds_since(t0);
  opener.join();
  EXPECT_LT(t_two, kHeld * 0.5) << "steps 1 and 2 should not have waited for the device";
  EXPECT_GE(t_three, kHeld * 0.9) << "step 3 should have waited for step 1";
  EXPECT_LE(rig.reducer->steps_in_flight(), 2u);
  rig.reducer->synchronize();
  for (int k = 0; k <= 3; ++k) EXPECT_EQ(rig.mismatch(k), "");
}

// Deadline of the death tests: short, yet ample for the communicator's initialisation in a fresh
// process (NCCL's set-up for one rank, which the same deadline also guards).
constexpr double kShortDeadline = 3.0;

[[noreturn]] void exit_on_timeout(std::string_view what, double waited) {
  std::fprintf(stderr, "timeout: '%.*s' after %.2f s\n", static_cast<int>(what.size()), what.data(),
               waited);
  std::fflush(stderr);
  std::_Exit(75);
}

// A device that never gets to the all-reduce (a hung peer, here a held stream) is reported by
// the full ring's wait as a timeout naming the oldest step, not an endless wait.
TEST_F(NcclReducerAsync, FullRingTimesOutNamingTheOldestStep) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh CUDA process
  EXPECT_EXIT(
      {
        ReducerOptions options;
        options.bucket_bytes = 256;
        options.max_steps_in_flight = 2;
        Rig rig(options, 4, kShortDeadline, exit_on_timeout);
        rig.step(0);
        rig.reducer->synchronize();
        StreamGate gate;
        gate.hold(rig.stream);
        // Opens the stream long after the deadline, in case ncclCommAbort waits for the device.
        std::jthread watchdog([&] {
          std::this_thread::sleep_for(std::chrono::duration<double>(3 * kShortDeadline));
          gate.release();
        });
        rig.step(1);
        rig.step(2);
        rig.step(3);  // waits for step 1 until the deadline
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(75), "timeout: 'NCCL gradient all-reduce of reducer step 1 ");
}

TEST_F(NcclReducerAsync, SynchronizeTimesOutNamingTheStep) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ReducerOptions options;
        options.bucket_bytes = 256;
        Rig rig(options, 4, kShortDeadline, exit_on_timeout);
        rig.step(0);
        rig.reducer->synchronize();
        StreamGate gate;
        gate.hold(rig.stream);
        std::jthread watchdog([&] {
          std::this_thread::sleep_for(std::chrono::duration<double>(3 * kShortDeadline));
          gate.release();
        });
        rig.step(1);
        rig.reducer->synchronize();  // waits for step 1 until the deadline
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(75), "timeout: 'NCCL gradient all-reduce of reducer step 1 ");
}

// Many steps without synchronize(): never more than max_steps_in_flight queued, every step's
// statistics read exactly once, the last step's gradients right.
TEST_F(NcclReducerAsync, ManyStepsStayBounded) {
  ReducerOptions options;
  options.bucket_bytes = 512;  // ~10 buckets per step
  Rig rig(options, 8, /*timeout_s=*/30);
  constexpr int kSteps = 1000;
  std::size_t most_in_flight = 0;
  for (int k = 0; k < kSteps; ++k) {
    rig.step(k);
    most_in_flight = std::max(most_in_flight, rig.reducer->steps_in_flight());
  }
  EXPECT_LE(most_in_flight, options.max_steps_in_flight);
  rig.reducer->synchronize();
  EXPECT_EQ(rig.reducer->steps_in_flight(), 0u);
  const ReduceStats& t = rig.reducer->totals();
  EXPECT_EQ(t.steps, std::size_t(kSteps));
  EXPECT_EQ(t.timed_steps, std::size_t(kSteps));
  EXPECT_EQ(t.bytes, kSteps * rig.step_bytes());
  EXPECT_EQ(rig.mismatch(kSteps - 1), "");
}

// Reducers destroyed with steps in flight (no synchronize()) drain them and give everything
// back: after several create/run/destroy cycles the device has as much free memory as before
// (a leaked pair of 16 MiB bucket buffers or a communicator per cycle would show).
TEST_F(NcclReducerAsync, DestroyedWithStepsInFlightReleasesEverything) {
  ReducerOptions options;
  options.bucket_bytes = std::size_t{16} << 20;
  auto cycle = [&] {
    Rig rig(options, 4, /*timeout_s=*/30);
    for (int k = 0; k < 10; ++k) rig.step(k);  // destroyed with up to 4 steps still queued
  };
  cycle();  // first communicator: NCCL's one-time set-up
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  std::size_t free_before = 0, free_after = 0, total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_before, &total), cudaSuccess);
  for (int c = 0; c < 8; ++c) cycle();
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  ASSERT_EQ(cudaMemGetInfo(&free_after, &total), cudaSuccess);
  const double lost_mib =
      (static_cast<double>(free_before) - static_cast<double>(free_after)) / (1 << 20);
  // 8 cycles x 2 bucket buffers x 16 MiB = 256 MiB if the buffers leaked; NCCL keeps a little.
  EXPECT_LT(lost_mib, 128.0) << "device memory not given back by 8 destroyed reducers";
}

}  // namespace
}  // namespace s2s::dist
