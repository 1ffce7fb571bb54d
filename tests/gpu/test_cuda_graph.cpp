// CUDA graphs (kernels/cuda_graph.h) on a device: capture records without executing, replay
// recomputes from whatever the fixed input buffers hold and matches the eager run bit for bit,
// replays many times, failures (host copies, synchronisation, a throwing body, nested capture)
// leave the stream clean and make GraphCache fall back to eager, memory allocated during capture
// belongs to the graph (private pool: never handed out elsewhere, kept by empty_cache(), valid
// across replays, released with the graph), kernel index errors surface from a replayed graph,
// and a GEMM is capturable as the very first cuBLAS call of a process (fixed cuBLAS workspace).
// The first test runs in every build (no device: capture throws, GraphCache stays eager); the
// others skip without a device.
#include <gmock/gmock.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "gpu/harness.h"
#include "s2s/kernels/cuda_graph.h"
#include "s2s/kernels/graph_cache.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::test {
namespace {

using ::testing::HasSubstr;

Tensor upload(const Shape& shape, const std::vector<float>& v) { return Tensor::from_vector<float>(shape, v).to(Device::CUDA); }
void write(Tensor& dev, const std::vector<float>& v) { dev.copy_from(Tensor::from_vector<float>(dev.shape(), v)); }
std::vector<float> poison(std::int64_t n) {
  float nan;
  std::memcpy(&nan, &kPoisonBits, 4);
  return std::vector<float>(static_cast<std::size_t>(n), nan);
}
bool all_poison(const std::vector<float>& v) {
  for (float x : v) {
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    if (bits != kPoisonBits) return false;
  }
  return true;
}

// The step every test captures: out = softmax(tanh(x w + b)), x [B, K], w [K, N], b [N], out [B, N]
// at fixed addresses; the intermediates are allocated inside the step, so during a capture they
// come from the graph's private pool. `trace`, when set, receives their addresses.
struct SmallStep {
  static constexpr std::int64_t B = 7, K = 33, N = 19;
  Tensor x = Tensor::empty({B, K}, DType::F32, Device::CUDA);
  Tensor w = Tensor::empty({K, N}, DType::F32, Device::CUDA);
  Tensor b = Tensor::empty({N}, DType::F32, Device::CUDA);
  Tensor out = Tensor::empty({B, N}, DType::F32, Device::CUDA);
  std::vector<const void*>* trace = nullptr;
  int calls = 0;

  struct Inputs {
    std::vector<float> x, w, b;
  };
  // x in [-1, 1]; w, b in [-0.1, 0.1] (see reference() for why).
  static Inputs random(Rng& rng) { return {rng.uniform(B * K, -1, 1), rng.uniform(K * N, -0.1f, 0.1f), rng.uniform(N, -0.1f, 0.1f)}; }
  void set(const Inputs& in) {
    write(x, in.x);
    write(w, in.w);
    write(b, in.b);
  }

  void operator()() {
    ++calls;
    Tensor y = Tensor::empty({B, N}, DType::F32, Device::CUDA);
    Tensor z = Tensor::empty({B, N}, DType::F32, Device::CUDA);
    Tensor h = Tensor::empty({B, N}, DType::F32, Device::CUDA);
    if (trace != nullptr) {
      for (const Tensor* t : {&y, &z, &h}) trace->push_back(t->raw());
    }
    kern::gemm(y, x, w, false, false, 1.0, 0.0);
    kern::add_row_vector(z, y, b);
    kern::activation_forward(kern::Activation::Tanh, h, z);
    kern::softmax_rows(out, h);
  }

  // The same computation in float64 on the CPU from the same float32 inputs. Tolerance: with
  // |x| <= 1 and |w|, |b| <= 0.1, each logit's dot product has Σ|x w| <= 3.3, so its float32
  // error is <= gamma(35) 3.3 ≈ 7e-6 (tolerances.h); tanh adds 2 ulp and is 1-Lipschitz; a
  // softmax output moves by at most 2 p max|dlogit| plus its own 26u (tolerances.h), so the
  // relative error of out is below 2e-5. Allowed: rel 1e-4 (5x), abs 1e-7.
  static constexpr Tol kTol{1e-7, 1e-4};
  static std::vector<double> reference(const Inputs& in) {
    auto cpu = [](const Shape& s, const std::vector<float>& v) { return Tensor::from_vector<float>(s, v).to_dtype(DType::F64); };
    Tensor x = cpu({B, K}, in.x), w = cpu({K, N}, in.w), b = cpu({N}, in.b);
    Tensor y = Tensor::zeros({B, N}, DType::F64), z = y.clone(), h = y.clone(), out = y.clone();
    kern::gemm(y, x, w, false, false, 1.0, 0.0);
    kern::add_row_vector(z, y, b);
    kern::activation_forward(kern::Activation::Tanh, h, z);
    kern::softmax_rows(out, h);
    return out.to_vector<double>();
  }
};

// ---- every build --------------------------------------------------------------------------------
struct Reports {
  std::vector<std::string> reasons;
  auto callback() {
    return [this](const int&, const std::string& why) { reasons.push_back(why); };
  }
};

TEST(CudaGraphNoDevice, CaptureThrowsAndGraphCacheStaysEager) {
  if (cuda::device_count() > 0) GTEST_SKIP() << "a CUDA device is present";
  cuda::CudaGraph g;
  int calls = 0;
  EXPECT_THROW(g.capture([&] { ++calls; }), Error);
  EXPECT_FALSE(g.captured());
  EXPECT_THROW(g.replay(), Error);
  cuda::CudaGraph moved = std::move(g);
  EXPECT_FALSE(moved.captured());

  cuda::CudaGraphCapturer capturer;
  Reports reports;
  cuda::GraphCache<int> cache(capturer, {.enabled = true, .warmup = 0}, reports.callback());
  EXPECT_EQ(cache.run(1, [&] { ++calls; }), cuda::GraphRun::Eager);
  EXPECT_EQ(cache.run(1, [&] { ++calls; }), cuda::GraphRun::Eager);
  EXPECT_EQ(calls, 2);  // the capture failed before calling the body; each call ran it eagerly
  EXPECT_EQ(reports.reasons.size(), 1u);
}

// ---- on a device --------------------------------------------------------------------------------
class CudaGraphTest : public CudaTest {};

TEST_F(CudaGraphTest, CaptureExecutesNothingAndReplaysMatchTheEagerRunBitForBit) {
  Rng rng(101);
  SmallStep step;
  step.set(SmallStep::random(rng));
  write(step.out, poison(SmallStep::B * SmallStep::N));
  cuda::CudaGraph graph;
  graph.capture([&] { step(); });
  ASSERT_TRUE(graph.captured());
  EXPECT_EQ(step.calls, 1);
  EXPECT_GE(graph.node_count(), 4u) << "GEMM, bias add, tanh and softmax were recorded";
  EXPECT_NE(graph.memory_pool(), 0u);
  EXPECT_FALSE(cuda::stream_is_capturing());
  EXPECT_TRUE(all_poison(step.out.to_vector<float>())) << "capturing must not execute the step";

  for (int round = 0; round < 4; ++round) {
    const SmallStep::Inputs in = SmallStep::random(rng);  // new values in the same buffers
    step.set(in);
    graph.replay();
    const std::vector<float> replayed = step.out.to_vector<float>();
    step();  // eagerly, same inputs
    const std::vector<float> eager = step.out.to_vector<float>();
    EXPECT_TRUE(bitwise_equal(replayed, eager)) << "round " << round;
    EXPECT_TRUE(near(replayed, SmallStep::reference(in), SmallStep::kTol)) << "round " << round;
  }
  EXPECT_EQ(step.calls, 5) << "replays do not call the body";
}

TEST_F(CudaGraphTest, ReplayedManyTimesTheWorkRunsOncePerReplay) {
  const std::int64_t n = 4099;
  std::vector<float> xv(n);
  for (std::int64_t i = 0; i < n; ++i) xv[i] = float(i % 7 - 3);  // small integers: sums are exact
  Tensor x = upload({n}, xv);
  Tensor acc = Tensor::zeros({n}, DType::F32, Device::CUDA);
  cuda::CudaGraph graph;
  graph.capture([&] { kern::axpy(acc, x, 1.0); });
  const int replays = 500;
  for (int r = 0; r < replays; ++r) graph.replay();
  const std::vector<float> got = acc.to_vector<float>();
  for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(got[i], replays * xv[i]) << "element " << i;
}

TEST_F(CudaGraphTest, EmptyBodyGivesAnEmptyGraphThatReplaysAsANoOp) {
  cuda::CudaGraph graph;
  graph.capture([] {});
  EXPECT_TRUE(graph.captured());
  EXPECT_EQ(graph.node_count(), 0u);
  EXPECT_NO_THROW(graph.replay());
  EXPECT_NO_THROW(cuda::synchronize());
}

// After a failed capture: out of capture mode, no error pending (the next kernel's launch check
// passes), and the step runs eagerly with correct results.
void expect_clean_stream_after_failure(SmallStep& step, Rng& rng) {
  EXPECT_FALSE(cuda::stream_is_capturing());
  const SmallStep::Inputs in = SmallStep::random(rng);
  step.set(in);
  EXPECT_NO_THROW(step());
  EXPECT_NO_THROW(cuda::synchronize());
  EXPECT_TRUE(near(step.out.to_vector<float>(), SmallStep::reference(in), SmallStep::kTol));
}

TEST_F(CudaGraphTest, DeviceToHostCopyDuringCaptureFailsWithAClearError) {
  Rng rng(7);
  SmallStep step;
  step.set(SmallStep::random(rng));
  write(step.out, poison(SmallStep::B * SmallStep::N));
  cuda::CudaGraph graph;
  try {
    graph.capture([&] {
      step();
      (void)step.out.to_vector<float>();  // a host read of a device value: not capturable
    });
    ADD_FAILURE() << "a capture reading device values on the host must fail";
  } catch (const Error& e) {  // thrown by the allocator at once, before CUDA sees the copy
    EXPECT_THAT(e.what(), HasSubstr("device-to-host copy")) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("during CUDA graph capture")) << e.what();
  }
  EXPECT_FALSE(graph.captured());
  EXPECT_THROW(graph.replay(), Error);
  EXPECT_TRUE(all_poison(step.out.to_vector<float>())) << "a failed capture executes nothing";
  expect_clean_stream_after_failure(step, rng);
}

TEST_F(CudaGraphTest, HostToDeviceCopyDuringCaptureFails) {
  Rng rng(8);
  SmallStep step;
  const SmallStep::Inputs in = SmallStep::random(rng);
  cuda::CudaGraph graph;
  try {
    graph.capture([&] {
      step.set(in);  // uploads belong before replay, outside the graph
      step();
    });
    ADD_FAILURE() << "a capture uploading host data must fail";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("host-to-device copy")) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("during CUDA graph capture")) << e.what();
  }
  EXPECT_FALSE(graph.captured());
  expect_clean_stream_after_failure(step, rng);
}

TEST_F(CudaGraphTest, SynchronizeInsideTheBodyInvalidatesTheCaptureAndTheErrorIsCleared) {
  Rng rng(9);
  SmallStep step;
  step.set(SmallStep::random(rng));
  cuda::CudaGraph graph;
  // The body throws (synchronize fails during capture).
  EXPECT_THROW(graph.capture([&] {
    step();
    cuda::synchronize();
  }),
               Error);
  expect_clean_stream_after_failure(step, rng);
  // The body swallows that error and returns: the invalidation is then reported by capture()
  // itself, naming the CUDA error.
  try {
    graph.capture([&] {
      step();
      try {
        cuda::synchronize();
      } catch (const Error&) {
      }
    });
    ADD_FAILURE() << "an invalidated capture must throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("invalidated")) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("cudaError")) << e.what();
  }
  EXPECT_FALSE(graph.captured());
  expect_clean_stream_after_failure(step, rng);
}

TEST_F(CudaGraphTest, ABodyExceptionIsRethrownUnchanged) {
  Rng rng(10);
  SmallStep step;
  step.set(SmallStep::random(rng));
  write(step.out, poison(SmallStep::B * SmallStep::N));
  cuda::CudaGraph graph;
  try {
    graph.capture([&] {
      step();
      throw Error("step refused: shape mismatch");
    });
    ADD_FAILURE() << "expected the body's exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "step refused: shape mismatch");
  }
  EXPECT_TRUE(all_poison(step.out.to_vector<float>()));
  expect_clean_stream_after_failure(step, rng);
}

TEST_F(CudaGraphTest, NestedCaptureIsRefused) {
  cuda::CudaGraph outer;
  try {
    outer.capture([] {
      cuda::CudaGraph inner;
      inner.capture([] {});
    });
    ADD_FAILURE() << "a capture inside a capture must fail";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("nested")) << e.what();
  }
  EXPECT_FALSE(cuda::stream_is_capturing());
}

TEST_F(CudaGraphTest, MemoryAllocatedDuringCaptureIsPrivateStaysValidAndIsReleasedWithTheGraph) {
  Rng rng(12);
  const cuda::AllocatorStats before = cuda::allocator_stats();
  SmallStep step;
  step.set(SmallStep::random(rng));
  std::vector<const void*> graph_blocks;
  Tensor kept;  // allocated inside the capture, kept after it: rewritten by every replay
  auto graph = std::make_unique<cuda::CudaGraph>();
  graph->capture([&] {
    step.trace = &graph_blocks;
    step();
    step.trace = nullptr;
    kept = Tensor::empty({SmallStep::B, SmallStep::N}, DType::F32, Device::CUDA);
    kern::scale(kept, step.out, 2.0);
  });
  graph_blocks.push_back(kept.raw());
  const cuda::AllocatorStats captured = cuda::allocator_stats();
  EXPECT_EQ(captured.private_pools, before.private_pools + 1);
  EXPECT_GT(captured.private_pool_bytes, before.private_pool_bytes);

  // Allocations outside the graph, of the very sizes the graph uses, never get its blocks (its
  // temporaries were freed during the capture and sit in its pool's bins), and writing them does
  // not disturb the graph; empty_cache() leaves the graph's blocks alone.
  const std::set<const void*> graph_set(graph_blocks.begin(), graph_blocks.end());
  std::vector<Tensor> outside;
  for (int i = 0; i < 16; ++i) {
    outside.push_back(upload({SmallStep::B, SmallStep::N}, std::vector<float>(SmallStep::B * SmallStep::N, 1e30f)));
    EXPECT_EQ(graph_set.count(outside.back().raw()), 0u) << "block " << i << " of the graph handed out";
  }
  for (int round = 0; round < 3; ++round) {
    const SmallStep::Inputs in = SmallStep::random(rng);
    step.set(in);
    graph->replay();
    if (round == 1) outside.clear();
    cuda::empty_cache();
    const std::vector<float> out = step.out.to_vector<float>();
    EXPECT_TRUE(near(out, SmallStep::reference(in), SmallStep::kTol)) << "round " << round;
    std::vector<float> twice(out.size());
    for (std::size_t i = 0; i < out.size(); ++i) twice[i] = 2 * out[i];
    EXPECT_TRUE(bitwise_equal(kept.to_vector<float>(), twice)) << "round " << round;
  }

  // The graph goes (a replay may still be in flight: the destructor waits for it); its pool is
  // released, the kept tensor stays valid until it is freed, and then the pool is gone.
  graph->replay();
  graph.reset();
  EXPECT_EQ(kept.to_vector<float>().size(), std::size_t(SmallStep::B * SmallStep::N));
  kept = Tensor();
  const cuda::AllocatorStats after = cuda::allocator_stats();
  EXPECT_EQ(after.private_pools, before.private_pools);
  EXPECT_EQ(after.private_pool_bytes, before.private_pool_bytes);
}

TEST_F(CudaGraphTest, KernelIndexErrorsSurfaceFromAReplayedGraph) {
  Tensor table = upload({5, 3}, {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42});
  Tensor ids = Tensor::from_vector<std::int32_t>({4}, {0, 1, 2, 3}).to(Device::CUDA);
  Tensor out = Tensor::empty({4, 3}, DType::F32, Device::CUDA);
  cuda::CudaGraph graph;
  graph.capture([&] { kern::embedding_gather(out, table, ids); });
  ids.copy_from(Tensor::from_vector<std::int32_t>({4}, {4, 0, 4, 1}));
  graph.replay();
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{40, 41, 42, 0, 1, 2, 40, 41, 42, 10, 11, 12}));
  ids.copy_from(Tensor::from_vector<std::int32_t>({4}, {1, 9, 0, 0}));
  graph.replay();
  try {
    cuda::synchronize();
    ADD_FAILURE() << "the bad id in the replayed graph was not reported";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("embedding id 9 at position 1")) << e.what();
  }
  EXPECT_NO_THROW(cuda::synchronize());
}

TEST_F(CudaGraphTest, MovedGraphsReplayAndEmptyOnesRefuse) {
  Tensor x = upload({3}, {1, 2, 3});
  Tensor acc = Tensor::zeros({3}, DType::F32, Device::CUDA);
  cuda::CudaGraph a;
  a.capture([&] { kern::axpy(acc, x, 1.0); });
  cuda::CudaGraph b = std::move(a);
  EXPECT_FALSE(a.captured());
  EXPECT_THROW(a.replay(), Error);
  b.replay();
  cuda::CudaGraph c;
  c = std::move(b);
  c.replay();
  EXPECT_EQ(acc.to_vector<float>(), (std::vector<float>{2, 4, 6}));
  c.capture([&] { kern::axpy(acc, x, -1.0); });  // replaces the held graph
  c.replay();
  EXPECT_EQ(acc.to_vector<float>(), (std::vector<float>{1, 2, 3}));
}

TEST_F(CudaGraphTest, GraphCacheWarmsUpCapturesReplaysAndFallsBack) {
  Rng rng(13);
  SmallStep step;
  cuda::CudaGraphCapturer capturer;
  Reports reports;
  cuda::GraphCache<int> cache(capturer, {.enabled = true, .warmup = 2}, reports.callback());
  using R = cuda::GraphRun;
  const std::vector<R> want{R::Eager, R::Eager, R::Captured, R::Replayed, R::Replayed, R::Replayed};
  for (std::size_t i = 0; i < want.size(); ++i) {
    const SmallStep::Inputs in = SmallStep::random(rng);
    step.set(in);  // outside the body, before the step
    EXPECT_EQ(cache.run(0, [&] { step(); }), want[i]) << "call " << i;
    EXPECT_TRUE(near(step.out.to_vector<float>(), SmallStep::reference(in), SmallStep::kTol)) << "call " << i;
  }
  EXPECT_EQ(step.calls, 3);
  EXPECT_TRUE(reports.reasons.empty());

  // A body that reads the loss on the host cannot be captured: key 1 falls back, reported once,
  // with correct results on every call.
  float loss_sum = 0;
  for (int i = 0; i < 4; ++i) {
    const SmallStep::Inputs in = SmallStep::random(rng);
    step.set(in);
    EXPECT_EQ(cache.run(1, [&] {
                step();
                loss_sum += step.out.to_vector<float>()[0];
              }),
              R::Eager);
    EXPECT_TRUE(near(step.out.to_vector<float>(), SmallStep::reference(in), SmallStep::kTol)) << "call " << i;
  }
  ASSERT_EQ(reports.reasons.size(), 1u);
  EXPECT_THAT(reports.reasons[0], HasSubstr("device-to-host copy"));
  EXPECT_TRUE(cache.stats(1).eager_only);
  EXPECT_EQ(cache.stats(0).replays, 4u);
  EXPECT_TRUE(std::isfinite(loss_sum));
}

// Runs in a fresh process (death-test machinery): the GEMM below is the first cuBLAS call of that
// process, captured without warm-up. cuBLAS would allocate its default workspace on such a first
// call; the context's fixed workspace (cublasSetWorkspace) makes it capturable. Returns the exit
// code: 0 when the replayed GEMM is right.
int first_gemm_captured_and_checked() {
  const std::int64_t m = 37, k = 129, n = 23;
  Rng rng(14);
  const auto av = rng.uniform(m * k, -1, 1), bv = rng.uniform(k * n, -1, 1);
  Tensor a = upload({m, k}, av), b = upload({k, n}, bv);
  Tensor c = Tensor::empty({m, n}, DType::F32, Device::CUDA);
  cuda::CudaGraph graph;
  try {
    graph.capture([&] { kern::gemm(c, a, b, false, false, 1.0, 0.0); });
    graph.replay();
  } catch (const std::exception& e) {
    std::cerr << "capture of the first GEMM failed: " << e.what() << "\n";
    return 2;
  }
  const std::vector<float> got = c.to_vector<float>();
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double want = 0, mag = 0;
      for (std::int64_t p = 0; p < k; ++p) {
        want += double(av[i * k + p]) * bv[p * n + j];
        mag += std::fabs(double(av[i * k + p]) * bv[p * n + j]);
      }
      const double bound = kGemmSlack * gamma(double(k + 2)) * mag;  // tolerances.h
      if (!(std::fabs(got[i * n + j] - want) <= bound)) {
        std::cerr << "C[" << i << "," << j << "] = " << got[i * n + j] << ", want " << want << " +- " << bound << "\n";
        return 3;
      }
    }
  }
  return 0;
}

TEST_F(CudaGraphTest, GemmIsCapturableAsTheFirstCublasCallOfAProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // re-executes the binary: a fresh CUDA process
  EXPECT_EXIT(std::exit(first_gemm_captured_and_checked()), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace s2s::test
