// Owns: the gradient-reducer benchmark (not a test). Run under mpirun; rank 0 prints:
//  1. bus bandwidth of the mpi reducer for several total gradient sizes and bucket sizes, next to
//     one plain MPI_Allreduce of the same bytes (the ceiling on this machine);
//     busBw = algBw * 2(n-1)/n with algBw = bytes / time (the nccl-tests convention), so figures
//     for different rank counts are comparable;
//  2. overlap: a simulated backward (K gradients, each preceded by a fixed amount of busy
//     compute) driving ready(); prints the reducer's hidden fraction and the step time against
//     "compute only" and "compute, then a blocking all-reduce".
// Times are the maximum over ranks of the median over iterations.
// Usage: mpirun -np N s2s_bench_dist [--iters N] [--quick] [--allreduce-only]
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "s2s/core/mpi_check.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/world.h"

namespace {
using namespace s2s;
using Clock = std::chrono::steady_clock;

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

// The maximum over ranks of this rank's median.
double max_median(dist::World& world, std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  double m = samples[samples.size() / 2];
  S2S_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, world.comm()));
  return m;
}

std::string human(std::size_t bytes) {
  char s[32];
  if (bytes >= (1u << 20)) std::snprintf(s, sizeof(s), "%zu MiB", bytes >> 20);
  else std::snprintf(s, sizeof(s), "%zu KiB", bytes >> 10);
  return s;
}

// `count` float32 gradients of total `bytes`.
std::vector<Tensor> make_grads(std::size_t bytes, int count) {
  std::vector<Tensor> g;
  const std::int64_t each = static_cast<std::int64_t>(bytes / 4 / count);
  for (int i = 0; i < count; ++i) g.push_back(Tensor::full({each}, DType::F32, 1.0));
  return g;
}

void spin_for(double seconds) {
  const double end = now_s() + seconds;
  volatile double x = 0;
  while (now_s() < end) x = x + 1;
}

double bus_factor(int n) { return n > 1 ? 2.0 * (n - 1) / n : 1.0; }

void bandwidth_table(dist::World& world, int iters, bool quick) {
  const int n = world.size();
  std::vector<std::size_t> totals = {std::size_t{1} << 20, std::size_t{8} << 20, std::size_t{32} << 20};
  std::vector<std::size_t> buckets = {std::size_t{256} << 10, std::size_t{1} << 20, std::size_t{4} << 20,
                                      std::size_t{16} << 20, std::size_t{64} << 20};
  if (quick) totals = {std::size_t{1} << 20, std::size_t{8} << 20};
  if (world.is_root()) {
    std::printf("\n## Reducer bus bandwidth, %d rank(s), float32, 16 gradients per step\n", n);
    std::printf("| total | bucket | buckets/step | time ms | algBw GB/s | busBw GB/s | plain MPI_Allreduce busBw GB/s |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
  }
  for (std::size_t total : totals) {
    // Baseline: one blocking MPI_Allreduce of the whole buffer.
    std::vector<float> flat(total / 4, 1.0f);
    std::vector<double> t_plain;
    for (int i = 0; i < iters + 2; ++i) {
      world.barrier();
      const double t0 = now_s();
      S2S_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, flat.data(), static_cast<int>(flat.size()), MPI_FLOAT,
                                  MPI_SUM, world.comm()));
      if (i >= 2) t_plain.push_back(now_s() - t0);
    }
    const double plain = max_median(world, t_plain);
    for (std::size_t bucket : buckets) {
      std::vector<Tensor> grads = make_grads(total, 16);
      auto reducer = dist::make_reducer("mpi", world, {.bucket_bytes = bucket});
      reducer->prepare(grads);
      std::vector<double> t;
      std::size_t per_step = 0;
      for (int i = 0; i < iters + 2; ++i) {
        world.barrier();
        const double t0 = now_s();
        for (std::size_t k = grads.size(); k-- > 0;) reducer->ready(k);
        dist::ReduceStats s = reducer->finish();
        if (i >= 2) t.push_back(now_s() - t0);
        per_step = s.buckets;
      }
      const double sec = max_median(world, t);
      const double alg = total / sec / 1e9;
      if (world.is_root())
        std::printf("| %s | %s | %zu | %.3f | %.2f | %.2f | %.2f |\n", human(total).c_str(),
                    bucket >= total ? (human(bucket) + " (>= total)").c_str() : human(bucket).c_str(),
                    per_step, sec * 1e3, alg, alg * bus_factor(n), total / plain / 1e9 * bus_factor(n));
    }
  }
}

// --allreduce-only: one blocking MPI_Allreduce (float32, in place) of several sizes, the median
// time (max over ranks): the points docs/scaling.md fits its ring model (alpha, beta) to.
void allreduce_times(dist::World& world, int iters) {
  if (world.is_root()) {
    std::printf("\n## MPI_Allreduce time, %d rank(s), float32\n| ranks | bytes | median ms |\n|---|---|---|\n",
                world.size());
  }
  for (std::size_t total : {std::size_t{4} << 10, std::size_t{64} << 10, std::size_t{1} << 20, std::size_t{8} << 20,
                            std::size_t{32} << 20, std::size_t{128} << 20}) {
    std::vector<float> flat(total / 4, 1.0f);
    std::vector<double> t;
    for (int i = 0; i < iters + 2; ++i) {
      world.barrier();
      const double t0 = now_s();
      S2S_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, flat.data(), static_cast<int>(flat.size()), MPI_FLOAT, MPI_SUM,
                                  world.comm()));
      if (i >= 2) t.push_back(now_s() - t0);
    }
    const double sec = max_median(world, t);
    if (world.is_root()) std::printf("| %d | %zu | %.3f |\n", world.size(), total, sec * 1e3);
  }
}

void overlap_table(dist::World& world, int iters) {
  const int n = world.size();
  struct Case { std::size_t grad_bytes; int grads; double compute_ms; std::size_t bucket; };
  const std::vector<Case> cases = {{256u << 10, 32, 0.5, 1u << 20}, {256u << 10, 32, 0.5, 4u << 20},
                                   {1u << 20, 16, 2.0, 4u << 20}, {1u << 20, 16, 2.0, 64u << 20}};
  if (world.is_root()) {
    std::printf("\n## Overlap with a simulated backward, %d rank(s)\n", n);
    std::printf("(each gradient is preceded by busy compute; 'serial' = compute, then one blocking MPI_Allreduce)\n");
    std::printf("| gradients | compute/grad ms | bucket | buckets (during bwd) | compute-only ms | serial ms | reducer step ms | comm ms | exposed wait ms | hidden |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  }
  for (const Case& c : cases) {
    std::vector<Tensor> grads = make_grads(c.grad_bytes * c.grads, c.grads);
    std::vector<float> flat(c.grad_bytes * c.grads / 4, 1.0f);
    auto reducer = dist::make_reducer("mpi", world, {.bucket_bytes = c.bucket});
    reducer->prepare(grads);
    std::vector<double> t_compute, t_serial, t_step;
    dist::ReduceStats sum;
    for (int i = 0; i < iters + 2; ++i) {
      world.barrier();
      double t0 = now_s();
      for (int k = 0; k < c.grads; ++k) spin_for(c.compute_ms * 1e-3);
      const double compute = now_s() - t0;
      S2S_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, flat.data(), static_cast<int>(flat.size()), MPI_FLOAT,
                                  MPI_SUM, world.comm()));
      const double serial = now_s() - t0;
      world.barrier();
      t0 = now_s();
      for (int k = c.grads; k-- > 0;) {
        spin_for(c.compute_ms * 1e-3);
        reducer->ready(static_cast<std::size_t>(k));
      }
      dist::ReduceStats s = reducer->finish();
      if (i >= 2) {
        t_compute.push_back(compute);
        t_serial.push_back(serial);
        t_step.push_back(now_s() - t0);
        sum.accumulate(s);
      }
    }
    const double comp = max_median(world, t_compute), ser = max_median(world, t_serial),
                 step = max_median(world, t_step);
    if (world.is_root())
      std::printf("| %d x %s | %.1f | %s | %.1f (%.1f) | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f%% |\n",
                  c.grads, human(c.grad_bytes).c_str(), c.compute_ms, human(c.bucket).c_str(),
                  double(sum.buckets) / sum.steps, double(sum.buckets_during_backward) / sum.steps,
                  comp * 1e3, ser * 1e3, step * 1e3, sum.comm_s / sum.steps * 1e3,
                  sum.wait_s / sum.steps * 1e3, sum.hidden_fraction() * 100);
  }
}
}  // namespace

int main(int argc, char** argv) {
  int iters = 10;
  bool quick = false;
  bool allreduce_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iters") == 0 && i + 1 < argc) iters = std::max(1, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--allreduce-only") == 0) allreduce_only = true;
    else {
      std::fprintf(stderr, "usage: %s [--iters N] [--quick] [--allreduce-only]\n", argv[0]);
      return 2;
    }
  }
  s2s::dist::World world;
  try {
    if (world.is_root()) {
      char host[256] = "?";
      int len = 0;
      MPI_Get_processor_name(host, &len);
      std::printf("# s2s_bench_dist: %d rank(s) (%d on this node), host %s, %d iterations (median, max over ranks)\n",
                  world.size(), world.local_size(), host, iters);
    }
    if (allreduce_only) {
      allreduce_times(world, iters);
    } else {
      bandwidth_table(world, iters, quick);
      overlap_table(world, iters);
    }
  } catch (const s2s::Error& e) {
    world.abort(1, e.what());
  }
  return 0;
}
