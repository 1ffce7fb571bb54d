// GEMM throughput on the shapes of one translate step (batch 64, size 1024, GRU gates), CPU.
// Prints GFLOP/s per shape; this is the "measured GEMM rate" that the napkin floor of the
// training benchmarks divides FLOPs by.
#include <benchmark/benchmark.h>

#include "s2s/core/philox.h"
#include "s2s/core/tensor.h"
#include "s2s/kernels/tensor_ops.h"

namespace {

void fill(s2s::Tensor& t, std::uint64_t stream) {
  s2s::PhiloxStream rng(1, stream);
  for (auto& v : t.span<float>()) v = static_cast<float>(rng.uniform(-1, 1));
}

// args: m, k, n  (C[m, n] = A[m, k] @ B[k, n])
void BM_Gemm(benchmark::State& state) {
  const auto m = state.range(0), k = state.range(1), n = state.range(2);
  auto a = s2s::Tensor::empty({m, k}, s2s::DType::F32);
  auto b = s2s::Tensor::empty({k, n}, s2s::DType::F32);
  auto c = s2s::Tensor::empty({m, n}, s2s::DType::F32);
  fill(a, 1);
  fill(b, 2);
  for (auto _ : state) {
    s2s::kern::gemm(c, a, b, false, false, 1.0, 0.0);
    benchmark::DoNotOptimize(c.raw());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

// Small config (batch 32, size 128) and translate config (batch 64, size 1024) GRU gate GEMMs,
// plus a sampled-softmax-sized and a full-softmax-sized output projection.
BENCHMARK(BM_Gemm)->Args({32, 256, 256})->Args({32, 256, 128})->Args({64, 2048, 2048})
    ->Args({64, 2048, 1024})->Args({64, 1024, 513})->Args({64, 1024, 8192})->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
