// PhaseTimer on a device (kernels/phase_timer.h): a sequence of known relative cost (large GEMMs,
// then a 16-element fill) is charged to the right phases, the phases add up to the host's wall
// time of the sequence, mark() does not wait for the device, marks made during a CUDA graph
// capture are skipped (no event node enters the graph), and the event pool is reused. The
// accounting itself is tested on the CPU (tests/unit/kernels/test_phase_timer.cpp). Skips without
// a device.
#include <chrono>
#include <cstdint>

#include "gpu/harness.h"
#include "s2s/kernels/cuda_graph.h"
#include "s2s/kernels/fill.h"
#include "s2s/kernels/phase_timer.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::test {
namespace {

using Clock = std::chrono::steady_clock;
using kern::PhaseTimer;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

class PhaseTimerCuda : public CudaTest {};

// Four 4096³ GEMMs (0.55 TFLOP: milliseconds on any current GPU) against one 16-element fill
// (microseconds): the GEMM phase must dominate by far, and the phases, which cover the sequence
// from its first to its last boundary on the device, must fit inside the host's wall time of the
// sequence and cover most of it (the host only adds the launch latency before the first event
// and the wake-up after the last).
TEST_F(PhaseTimerCuda, ChargesKnownCostsAndAddsUpToTheWallTime) {
  constexpr std::int64_t n = 4096;
  Tensor a = Tensor::empty({n, n}, DType::F32, Device::CUDA);
  Tensor b = Tensor::empty({n, n}, DType::F32, Device::CUDA);
  Tensor c = Tensor::empty({n, n}, DType::F32, Device::CUDA);
  Tensor tiny = Tensor::empty({16}, DType::F32, Device::CUDA);
  kern::fill(a, 0.01);
  kern::fill(b, 0.02);
  kern::gemm(c, a, b, false, false, 1.0, 0.0);  // cuBLAS picks its kernel outside the timing
  cuda::synchronize();

  PhaseTimer timer(Device::CUDA);
  EXPECT_EQ(timer.device(), Device::CUDA);
  constexpr int rounds = 3;
  double wall = 0, queued_total = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = Clock::now();
    timer.mark("gemm");
    for (int i = 0; i < 4; ++i) kern::gemm(c, a, b, false, false, 1.0, 0.0);
    timer.mark("fill");
    kern::fill(tiny, 1.0);
    timer.stop();
    const double queued = seconds_since(t0);  // host time to queue: mark() must not have waited
    timer.collect();
    const double round_wall = seconds_since(t0);
    wall += round_wall;
    queued_total += queued;
    EXPECT_EQ(timer.pending_marks(), 0u);
  }
  const auto gemm = timer.total("gemm");
  const auto fill = timer.total("fill");
  EXPECT_EQ(gemm.count, rounds);
  EXPECT_EQ(fill.count, rounds);
  EXPECT_GT(fill.seconds, 0.0);
  EXPECT_GT(gemm.seconds, 100 * fill.seconds) << "gemm " << gemm.seconds << " s, fill " << fill.seconds << " s";
  const double sum = gemm.seconds + fill.seconds;
  // Two clocks (device events, host steady clock): 1% + 20 µs per round of slack on the upper side.
  EXPECT_LE(sum, 1.01 * wall + rounds * 20e-6) << "phases " << sum << " s, wall " << wall << " s";
  EXPECT_GE(sum, 0.9 * wall - rounds * 500e-6) << "phases " << sum << " s, wall " << wall << " s";
  // Queueing the GEMMs and marks took far less than running them: no mark waited for the device.
  EXPECT_LT(queued_total, 0.5 * gemm.seconds)
      << "host queueing " << queued_total << " s, device " << gemm.seconds << " s";
  EXPECT_EQ(timer.skipped_marks(), 0);
}

// Inside a capture, mark() and stop() do nothing: the graph holds the same nodes as one captured
// without them, and a replay timed from outside is charged normally.
TEST_F(PhaseTimerCuda, MarksDuringGraphCaptureAreSkipped) {
  Tensor y = Tensor::empty({256}, DType::F32, Device::CUDA);
  PhaseTimer timer(Device::CUDA);
  cuda::CudaGraph plain, marked;
  plain.capture([&] { kern::fill(y, 1.0); });
  marked.capture([&] {
    timer.mark("inside");
    kern::fill(y, 2.0);
    timer.stop();
  });
  EXPECT_EQ(timer.skipped_marks(), 2);
  EXPECT_EQ(timer.pending_marks(), 0u);
  EXPECT_EQ(marked.node_count(), plain.node_count());
  timer.mark("replay");
  marked.replay();
  timer.stop();
  timer.collect();
  EXPECT_EQ(timer.total("replay").count, 1);
  EXPECT_GE(timer.total("replay").seconds, 0.0);  // one small kernel: may be below the ~0.5 µs resolution
  EXPECT_EQ(timer.total("inside").count, 0);
  const auto values = y.to(Device::CPU).to_vector<float>();
  EXPECT_EQ(values.front(), 2.0f);
}

// The event pool: indices restart at 0 after recycle() and no new event is created; elapsed time
// between two events recorded around a GEMM is positive; reset() with work still in flight
// leaves the timer usable.
TEST_F(PhaseTimerCuda, EventPoolIsReusedAndResetIsSafeWithWorkInFlight) {
  constexpr std::int64_t n = 2048;
  Tensor a = Tensor::empty({n, n}, DType::F32, Device::CUDA);
  Tensor c = Tensor::empty({n, n}, DType::F32, Device::CUDA);
  kern::fill(a, 0.5);
  cuda::EventTimeline events;
  EXPECT_EQ(events.record(), 0u);
  kern::gemm(c, a, a, false, false, 1.0, 0.0);
  EXPECT_EQ(events.record(), 1u);
  events.wait(1);
  EXPECT_GT(events.seconds_between(0, 1), 0.0);
  events.recycle();
  EXPECT_EQ(events.record(), 0u);
  EXPECT_EQ(events.record(), 1u);
  EXPECT_EQ(events.pool_size(), 2u);
  events.wait(1);

  PhaseTimer timer(Device::CUDA);
  timer.mark("abandoned");
  for (int i = 0; i < 4; ++i) kern::gemm(c, a, a, false, false, 1.0, 0.0);
  timer.mark("abandoned too");
  timer.reset();  // the GEMMs may still run: the events are simply recorded again later
  timer.mark("kept");
  kern::fill(c, 0.0);
  timer.stop();
  timer.collect();
  EXPECT_EQ(timer.total("abandoned").count, 0);
  EXPECT_EQ(timer.total("kept").count, 1);
  EXPECT_GT(timer.total("kept").seconds, 0.0);
}

}  // namespace
}  // namespace s2s::test
