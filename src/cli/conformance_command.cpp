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
#include "s2s/kernels/cuda_runtime_api.h"

namespace s2s::cli {
namespace {

struct ConformanceOptions {
  std::vector<std::string> paths;
  std::string device = "cpu";
  std::optional<double> rtol;
  bool verbose = false;
};

// A CPU-only build reports 0 devices with the reason "built without CUDA".
void prepare_cuda() {
  std::string reason;
  const int n = cuda::device_count(&reason);
  S2S_CHECK(n > 0, "--device cuda: no usable CUDA device (", reason, ")");
  cuda::initialize(0);
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
