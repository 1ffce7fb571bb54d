// s2s_bench_sgemm_libraries: OpenBLAS's cblas_sgemm against oneDNN's dnnl_sgemm on the products of
// a training step (benchmark, not a test): why S2S_CPU_SGEMM defaults to onednn
// (kernels/cpu/gemm.cpp). Each shape is timed with both libraries in the same process, one
// thread each (the process restarts itself with OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1),
// on process CPU time so that other load on a shared machine does not stretch the figures.
// Shapes (M = batch rows): forward x·W, input gradient dy·Wᵀ, weight gradient xᵀ·dy of a GRU gate
// layer (gru256: [64, 512]·[512, 512]; translate: [64, 2048]·[2048, 2048]), the
// sampled-softmax logits [64, n]·[513, n]ᵀ and the attention's per-sentence context [1, L]·[L, A].
// Prints GFLOP/s per library and shape; compare the two rows of a shape.
//   bench/s2s_bench_sgemm_libraries
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <random>
#include <vector>

namespace {

enum Library { kOpenBlas = 0, kOneDnn = 1 };

// args: library, m, n, k, transpose A, transpose B (C[m, n] = op(A) op(B), row-major)
void BM_Sgemm(benchmark::State& state) {
  const auto lib = state.range(0);
  const auto m = state.range(1), n = state.range(2), k = state.range(3);
  const bool ta = state.range(4) != 0, tb = state.range(5) != 0;
  std::mt19937 gen(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(k * n)),
      c(static_cast<std::size_t>(m * n));
  for (auto& v : a) v = u(gen);
  for (auto& v : b) v = u(gen);
  const auto lda = ta ? m : k, ldb = tb ? k : n;
  for (auto _ : state) {
    if (lib == kOpenBlas) {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n),
                  int(k), 1.f, a.data(), int(lda), b.data(), int(ldb), 0.f, c.data(), int(n));
    } else if (dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, a.data(), lda, b.data(), ldb, 0.f, c.data(),
                          n) != dnnl_success) {
      state.SkipWithError("dnnl_sgemm failed");
      break;
    }
    benchmark::DoNotOptimize(c.data());
  }
  state.SetLabel(lib == kOpenBlas ? "openblas" : "onednn");
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(m) * double(n) * double(k),
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void shapes(benchmark::internal::Benchmark* b) {
  const std::int64_t rows[][5] = {
      {64, 512, 512, 0, 0},    {64, 512, 512, 0, 1},    {512, 512, 64, 1, 0},     // gru256 gates
      {64, 2048, 2048, 0, 0},  {64, 2048, 2048, 0, 1},  {2048, 2048, 64, 1, 0},   // translate gates
      {64, 513, 256, 0, 1},    {64, 513, 1024, 0, 1},                              // sampled logits
      {1, 256, 15, 0, 0},      {1, 1024, 10, 0, 0},                                // attention context
  };
  for (const auto& r : rows)
    for (std::int64_t lib : {kOpenBlas, kOneDnn}) b->Args({lib, r[0], r[1], r[2], r[3], r[4]});
}

BENCHMARK(BM_Sgemm)->Apply(shapes)->ArgNames({"lib", "m", "n", "k", "ta", "tb"})->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  // One thread each. Both libraries read their setting when they are loaded, before main, so
  // the process starts itself again with the settings in place when they are missing.
  const char* ob = std::getenv("OPENBLAS_NUM_THREADS");
  const char* omp = std::getenv("OMP_NUM_THREADS");
  if (ob == nullptr || omp == nullptr || std::string(ob) != "1" || std::string(omp) != "1") {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("OMP_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
    std::perror("s2s_bench_sgemm_libraries: execv(/proc/self/exe)");
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
