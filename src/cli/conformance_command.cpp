// Owns: `s2s conformance FIXTURE.h5|DIR ...`: checks the seed functions against conformance
// fixtures (shared/spec/conformance.md) and prints one line per fixture; exits 1 if any fails.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "s2s/conformance/harness.h"
#include "s2s/core/error.h"

// The CUDA runtime entry points (device discovery, initialisation) come with the CUDA backend;
// until every tree has them, a tree without that header builds a CPU-only command.
#if __has_include("s2s/kernels/cuda_runtime_api.h")
#include "s2s/kernels/cuda_runtime_api.h"
#define S2S_CONFORMANCE_CUDA_API 1
#endif

namespace s2s::cli {
namespace {

struct ConformanceOptions {
  std::vector<std::string> paths;
  std::string device = "cpu";
  std::optional<double> rtol;
  bool verbose = false;
};

void prepare_cuda() {
#ifdef S2S_CONFORMANCE_CUDA_API
  std::string reason;
  const int n = cuda::device_count(&reason);
  S2S_CHECK(n > 0, "--device cuda: no usable CUDA device (", reason, ")");
  cuda::initialize(0);
#else
  S2S_FAIL("--device cuda: this build has no CUDA backend (configure with -DS2S_WITH_CUDA=ON)");
#endif
}

int run_conformance(const ConformanceOptions& o) {
  conformance::HarnessOptions h;
  h.rtol = o.rtol;
  if (o.device == "cuda") {
    prepare_cuda();
    h.device = Device::CUDA;
  }
  const auto files = conformance::expand_fixture_paths(o.paths);
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& f : files) {
    const auto report = conformance::check_fixture(f, h);
    std::printf("%s\n", conformance::format_report(report).c_str());
    if (o.verbose)
      for (const auto& a : report.arrays) std::printf("    %-70s %.3e (tol %.1e)\n", a.path.c_str(), a.error, a.tolerance);
    std::fflush(stdout);
    (report.skipped ? skipped : report.passed ? passed : failed) += 1;
  }
  std::printf("conformance: %d passed, %d failed, %d skipped (%zu fixtures)\n", passed, failed, skipped, files.size());
  return failed == 0 ? 0 : 1;
}

}  // namespace

CommandRunner setup_conformance(CLI::App& app) {
  auto o = std::make_shared<ConformanceOptions>();
  app.add_option("fixtures", o->paths, "Fixture files (*.h5) or directories of them")->required();
  app.add_option("--device", o->device, "Backend to run on: cpu (default) or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--rtol", o->rtol,
                 "Tolerance relative to max|expected| (default 1e-9 for float64, 1e-4 for float32)");
  app.add_flag("-v,--verbose", o->verbose, "Print the error of every compared array");
  return [o] { return run_conformance(*o); };
}

}  // namespace s2s::cli
