// s2s_bench_train: training-step throughput of the translate model (benchmark, not a test).
// For each preset and bucket: builds Seq2SeqModel, runs warm-up + timed steps on synthetic
// full-bucket batches (synthetic_batch.h), and prints ms/step (median), tokens/s (target =
// Σ weights, and source + target), the napkin floor (the step's GEMMs at the rate measured
// in-process on the same shapes, gemm_floor.h) and measured/floor. Each row is also printed as
// one `RESULT key=value ...` line, the format bench/peers/torch_seq2seq.py prints too, so
// bench/peers/compare.py can join the two and print s2s/PyTorch.
//   s2s_bench_train --preset tiny,small --steps 20
//   s2s_bench_train --preset translate --bucket 0 --steps 3 --warmup 1
//   s2s_bench_train --device cuda --preset translate --batch 128
//   s2s_bench_train --device cuda --preset translate --precision bf16   (tf32; --tf32 = --precision tf32)
// --precision sets kern::set_matmul_precision for every float32 GEMM of the run, the in-process
// floor's included (bf16: bfloat16 operands, float32 accumulation; on the CPU too, where tf32 is
// float32).
// --no-cuda-graphs runs every step eagerly; --sync-every N waits for the device every N steps
// (timing chunks), as a training run with train.sync_every N.
// --phases adds, after each row, a `PHASES ...` line: the step's phases timed on the device
// timeline (kernels/phase_timer.h; CUDA events, or the steady clock on the CPU), per timed step:
// feed (make_feed), forward+backward (StepRunner::run: the feed copy, then the eager step or the
// graph replay), norm+clip, update, idle (the device waiting for the next step to be queued), and
// host_ms_per_step, the host time spent in TrainStep::run (queueing the step, no wait). When
// host_ms_per_step is close to the step's device time the step is launch-bound.
// CPU threads: OpenBLAS's (OPENBLAS_NUM_THREADS); the rest of the step is single-threaded.
// --clock (step_clock.h): by default, with one thread on the CPU, ms/step and the floor are process
// CPU time, which a shared machine's other load does not stretch; the RESULT line's clock= says
// which, and wall_ms_step gives the wall time beside it.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fmt/format.h>
#include <memory>
#include <numeric>

#include "gemm_floor.h"
#include "presets.h"
#include "step_clock.h"
#include "s2s/core/error.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/gemm.h"
#include "s2s/kernels/phase_timer.h"
#include "synthetic_batch.h"
#include "train_step.h"

namespace {

using namespace s2s;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string presets = "tiny,small";
  std::string config;
  std::vector<std::string> overrides;
  std::vector<int> buckets;  // empty: all of the preset's
  std::int64_t batch = 0;    // 0: the preset's
  int steps = 20;
  int warmup = 3;
  std::string device = "cpu";
  std::string precision = "float32";  // float32 | tf32 | bf16 (kernels/gemm.h)
  bool tf32 = false;                    // --tf32: alias of --precision tf32
  bool floor = true;
  bool cuda_graphs = true;  // --no-cuda-graphs: every step eager (train.cuda_graphs)
  int sync_every = 10;      // steps between host waits, as the trainer's sync points
  bool phases = false;      // --phases: a PHASES line per row
  std::string clock = "auto";  // --clock: auto | wall | cpu (step_clock.h)
  std::uint64_t seed = 1;
};

struct Row {
  std::string preset, bucket, device;
  std::int64_t batch = 0;
  int steps = 0;
  double ms_median = 0, ms_min = 0, wall_ms_median = 0, tgt_tokens = 0, src_tokens = 0;
  std::string clock;  // what ms_* were timed with: wall or cpu (step_clock.h)
  double model_gflop = 0, tally_gflop = 0, gemm_rate = 0, floor_ms = 0, peak_mib = 0, loss = 0;
  std::size_t tape_ops = 0;
  std::string graphs = "off";   // "captured/replayed/eager/failed" on CUDA with graphs
  double d2h_per_step = 0;      // device-to-host copies per timed step (host round trips)
  // --phases: ms per timed step of each phase (device timeline), and of the host in run()
  bool phases = false;
  double feed_ms = 0, fwd_bwd_ms = 0, norm_clip_ms = 0, update_ms = 0, idle_ms = 0, host_ms = 0;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto end = std::min(s.find(',', start), s.size());
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

double peak_mib(Device device) {
  if (device == Device::CUDA) return double(cuda::allocator_stats().peak_bytes_in_use) / (1 << 20);
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // KiB -> MiB: the process's peak RSS
}

void print_row(const Row& r) {
  const double s = r.ms_median / 1e3;
  const double ratio = r.floor_ms > 0 ? r.ms_median / r.floor_ms : 0;
  std::printf("| %s | %s | %lld | %s | %.2f (min %.2f) | %.0f | %.0f | %.3f / %.3f | %.1f | %.2f | %.2f | %.0f |\n",
              r.preset.c_str(), r.bucket.c_str(), static_cast<long long>(r.batch), r.device.c_str(), r.ms_median,
              r.ms_min, r.tgt_tokens / s, (r.tgt_tokens + r.src_tokens) / s, r.model_gflop, r.tally_gflop,
              r.gemm_rate, r.floor_ms, ratio, r.peak_mib);
  std::printf("RESULT impl=s2s device=%s preset=%s bucket=%s batch=%lld steps=%d ms_step=%.4f ms_min=%.4f "
              "tgt_tok_s=%.1f all_tok_s=%.1f gflop_step=%.4f gemm_gflop_s=%.2f floor_ms=%.4f ratio=%.3f "
              "peak_mib=%.1f loss=%.4f tape_ops=%zu precision=%s graphs=%s d2h_per_step=%.2f clock=%s wall_ms_step=%.4f\n",
              r.device.c_str(), r.preset.c_str(), r.bucket.c_str(), static_cast<long long>(r.batch), r.steps,
              r.ms_median, r.ms_min, r.tgt_tokens / s, (r.tgt_tokens + r.src_tokens) / s, r.tally_gflop,
              r.gemm_rate, r.floor_ms, ratio, r.peak_mib, r.loss, r.tape_ops,
              std::string(kern::to_string(kern::matmul_precision())).c_str(), r.graphs.c_str(), r.d2h_per_step,
              r.clock.c_str(), r.wall_ms_median);
  if (r.phases)
    std::printf("PHASES preset=%s bucket=%s batch=%lld feed_ms=%.4f fwd_bwd_ms=%.4f norm_clip_ms=%.4f "
                "update_ms=%.4f idle_ms=%.4f host_ms_per_step=%.4f\n",
                r.preset.c_str(), r.bucket.c_str(), static_cast<long long>(r.batch), r.feed_ms, r.fwd_bwd_ms,
                r.norm_clip_ms, r.update_ms, r.idle_ms, r.host_ms);
  std::fflush(stdout);
}

// Phase totals of `timer` (TrainStep's phase names) as ms per step over `steps` steps.
void fill_phases(Row& r, const kern::PhaseTimer& timer, int steps, double host_seconds) {
  const auto ms = [&](std::string_view phase) { return timer.total(phase).seconds * 1e3 / steps; };
  r.phases = true;
  r.feed_ms = ms("feed");
  r.fwd_bwd_ms = ms("forward+backward");
  r.norm_clip_ms = ms("norm+clip");
  r.update_ms = ms("update");
  r.idle_ms = ms("idle");
  r.host_ms = host_seconds * 1e3 / steps;
}

// `phases`: the timer step marks on (nullptr without --phases).
Row bench_bucket(bench::TrainStep& step, const bench::BenchPreset& p, std::size_t bucket, Device device,
                 const Options& o, kern::PhaseTimer* phases) {
  const auto& sizes = p.buckets[bucket];
  PhiloxStream rng(o.seed, 0xba7c4 + bucket);
  std::vector<model::Seq2SeqBatch> batches;  // a few distinct batches, cycled (generation untimed)
  for (int i = 0; i < 4; ++i)
    batches.push_back(bench::full_bucket_batch(bucket, sizes, p.batch, p.source_vocab, p.target_vocab, rng));
  Row r;
  r.preset = p.name;
  r.bucket = fmt::format("{}x{}", sizes.first, sizes.second);
  r.device = device == Device::CUDA ? "cuda" : "cpu";
  r.batch = p.batch;
  r.steps = o.steps;
  const bench::StepClock clock = bench::choose_step_clock(o.clock, device);
  r.clock = bench::to_string(clock);
  const auto tokens = bench::count_tokens(batches[0]);
  r.tgt_tokens = tokens.target;
  r.src_tokens = tokens.source;
  // Warm-up includes the graph capture of this bucket (StepRunner warms up 2 steps, then captures).
  for (int i = 0; i < o.warmup; ++i) step.run(batches[i % batches.size()]);
  step.sync();
  if (phases != nullptr) phases->reset();  // warm-up (and capture) steps are not counted
  double host_seconds = 0;                 // in run(), with --phases
  // Timed: chunks of sync_every steps with one wait at the end of each, as a training run between
  // its sync points; ms/step of each chunk, median and min over chunks.
  const bool on_gpu = device == Device::CUDA;
  if (on_gpu) cuda::reset_transfer_stats();
  std::vector<double> ms, wall_ms;
  int done = 0;
  while (done < o.steps) {
    const int chunk = std::min(o.sync_every, o.steps - done);
    const auto t0 = Clock::now();
    const double c0 = clock_seconds(clock);
    for (int i = 0; i < chunk; ++i) {
      if (phases == nullptr) {
        step.run(batches[(done + i) % batches.size()]);
        continue;
      }
      const auto h0 = Clock::now();
      step.run(batches[(done + i) % batches.size()]);
      host_seconds += std::chrono::duration<double>(Clock::now() - h0).count();
    }
    r.loss = step.sync();
    if (phases != nullptr) phases->collect();  // the device has passed every mark: no extra wait
    ms.push_back((clock_seconds(clock) - c0) * 1e3 / chunk);
    wall_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / chunk);
    done += chunk;
  }
  if (on_gpu) {
    r.d2h_per_step = double(cuda::transfer_stats().d2h_copies) / double(o.steps);
    const auto g = step.runner().graph_totals();
    if (step.runner().graphs_active())
      r.graphs = fmt::format("{}/{}/{}/{}", g.captures, g.replays, g.eager, g.failures);
  }
  if (phases != nullptr) fill_phases(r, *phases, o.steps, host_seconds);
  std::sort(ms.begin(), ms.end());
  r.ms_median = ms[ms.size() / 2];
  std::sort(wall_ms.begin(), wall_ms.end());
  r.wall_ms_median = wall_ms[wall_ms.size() / 2];
  r.tape_ops = step.tape_ops();
  r.ms_min = ms.front();
  r.model_gflop = step.model().step_flops(bucket, p.batch) / 1e9;
  const auto shapes = bench::step_gemm_shapes(p.model, p.target_vocab, sizes, p.batch);
  for (const auto& s : shapes) r.tally_gflop += 3.0 * s.forward_flops() * s.count / 1e9;
  if (o.floor) {
    const auto f = bench::measure_gemm_floor(shapes, device, clock);
    r.gemm_rate = f.rate() / 1e9;
    r.floor_ms = f.seconds * 1e3;
  }
  r.peak_mib = peak_mib(device);
  return r;
}

int run(const Options& o) {
  const Device device = o.device == "cuda" ? Device::CUDA : Device::CPU;
  if (device == Device::CUDA) {
    std::string why;
    if (cuda::device_count(&why) == 0) {
      std::fprintf(stderr, "s2s_bench_train: --device cuda needs a CUDA device and a CUDA build: %s\n", why.c_str());
      return 2;
    }
    cuda::initialize(0);
  }
  kern::set_matmul_precision(kern::parse_matmul_precision(o.precision));
  std::vector<bench::BenchPreset> presets;
  if (!o.config.empty()) presets.push_back(bench::preset_from_config(o.config, o.overrides));
  else
    for (const auto& name : split(o.presets)) presets.push_back(bench::find_preset(name));

  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  const char* threads = std::getenv("OPENBLAS_NUM_THREADS");
  std::printf("# s2s_bench_train %s, device %s, %s GEMMs, OPENBLAS_NUM_THREADS=%s, %d warm-up + %d timed steps\n",
              date, o.device.c_str(), o.precision.c_str(), threads ? threads : "(unset)", o.warmup, o.steps);
  std::printf("# tokens per step: every pair fills its bucket (target B*(O-1) = sum of weights, source B*(I-1))\n");
  std::printf("| preset | bucket | batch | device | ms/step median | target tok/s | src+tgt tok/s | "
              "GFLOP/step model / GEMM tally | GEMM GFLOP/s measured | floor ms | measured/floor | peak MiB |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  for (auto p : presets) {
    if (o.batch > 0) p.batch = o.batch;
    bench::TrainStep step(p, device, o.seed, o.cuda_graphs);
    std::unique_ptr<kern::PhaseTimer> phases;
    if (o.phases) {
      phases = std::make_unique<kern::PhaseTimer>(device);
      step.set_phase_timer(phases.get());
    }
    std::vector<std::size_t> which;
    if (o.buckets.empty())
      for (std::size_t b = 0; b < p.buckets.size(); ++b) which.push_back(b);
    for (int b : o.buckets) {
      S2S_CHECK(b >= 0 && std::size_t(b) < p.buckets.size(), "--bucket ", b, ": preset ", p.name, " has ",
                p.buckets.size(), " bucket(s)");
      which.push_back(std::size_t(b));
    }
    for (std::size_t b : which) print_row(bench_bucket(step, p, b, device, o, phases.get()));
    std::printf("# %s: %lld parameters\n", p.name.c_str(), static_cast<long long>(step.parameter_count()));
  }
  std::printf("# update: SgdOptimizer; clip and norm on the device; graphs column: captured/replayed/eager/failed\n");
  if (o.phases)
    std::printf("# PHASES: ms per timed step on the %s timeline (feed = make_feed + the copy into the bucket "
                "buffers; fwd_bwd = forward + backward or the graph replay; "
                "idle = device waiting for the host between steps); host_ms_per_step = host time queueing a step\n",
                device == Device::CUDA ? "device (CUDA events)" : "host (steady clock)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"s2s_bench_train: training-step throughput of the translate model (a benchmark, not a test)"};
  app.add_option("--preset", o.presets, "Comma-separated presets: tiny, small, translate, gru128, gru256, gru512")->capture_default_str();
  app.add_option("--config", o.config, "Use an s2s train YAML config instead of a preset (vocab sizes must be set)");
  app.add_option("--set", o.overrides, "Override a config key (with --config), repeatable");
  app.add_option("--bucket", o.buckets, "Bucket index to run (repeatable; default: every bucket)");
  app.add_option("--batch", o.batch, "Batch size (default: the preset's)");
  app.add_option("--steps", o.steps, "Timed steps per bucket")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup, "Untimed steps per bucket first")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str()->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--precision", o.precision,
                 "float32 GEMMs: float32, tf32 (CUDA tensor cores; float32 on the CPU) or bf16 (bfloat16 operands, "
                 "float32 accumulation)")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "tf32", "bf16"}));
  app.add_flag("--tf32", o.tf32, "Same as --precision tf32");
  app.add_flag("!--no-floor", o.floor, "Skip the in-process GEMM timing (no floor column)");
  app.add_flag("!--no-cuda-graphs", o.cuda_graphs, "Run every step eagerly (no CUDA graph per bucket)");
  app.add_option("--sync-every", o.sync_every, "Timed steps between waits for the device")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--clock", o.clock,
                 "Time steps and the GEMM floor on: auto (process CPU time on the CPU with OPENBLAS_NUM_THREADS=1, "
                 "wall otherwise), wall, cpu")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "wall", "cpu"}));
  app.add_flag("--phases", o.phases,
               "After each row, a PHASES line: feed, forward+backward, norm+clip, update and idle ms per step on "
               "the device timeline, and the host's ms per step queueing it");
  app.add_option("--seed", o.seed, "Seed of the parameters and batches")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.tf32) {
    if (o.precision != "float32" && o.precision != "tf32") {
      std::fprintf(stderr, "s2s_bench_train: --tf32 contradicts --precision %s\n", o.precision.c_str());
      return 2;
    }
    o.precision = "tf32";
  }
  try {
    return run(o);
  } catch (const s2s::Error& e) {
    std::fprintf(stderr, "s2s_bench_train: %s\n", e.what());
    return 1;
  }
}
