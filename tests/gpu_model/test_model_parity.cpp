// A short training run of the translate model (Seq2SeqModel + SgdOptimizer + global-norm clipping,
// the trainer's step without MPI) on CUDA gives the losses of the same run on the CPU: every run
// starts from the same float32 parameters and sees the same batches and sampler draws. The
// reference is the float64 CPU run; the CUDA float32 losses must stay as close to it as the CPU
// float32 run does (within 4x its largest deviation so far) plus a floor of 1e-5 relative.
// Float32CpuFollowsFloat64 checks the harness and the floor on the CPU (runs everywhere).
// Also: every float32 conformance fixture passes on CUDA (`s2s conformance --device cuda`).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gpu/harness.h"
#include "support/translate_runs.h"
#include "s2s/autograd/var.h"
#include "s2s/conformance/harness.h"
#include "s2s/core/philox.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/train/clip.h"
#include "s2s/train/optimizer.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::test {
namespace {

using model::ModelConfig;
using model::Seq2SeqBatch;

constexpr int kSteps = 6;
constexpr double kLearningRate = 0.5, kMaxNorm = 5.0;  // translate's defaults
constexpr double kRelFloor = 1e-5;                     // see the file comment
constexpr double kDriftFactor = 4.0;

// SGD at translate's defaults in `dtype` on `device`.
TrainingRun sgd_run(const RunSetup& s, DType dtype, Device device) {
  return TrainingRun(s, std::make_unique<train::SgdOptimizer>(), kLearningRate, kMaxNorm, dtype, device);
}

struct Trace {
  std::vector<double> loss, norm;
};

Trace train_steps(TrainingRun& run, const RunSetup& s) {
  PhiloxStream rng(99, /*stream=*/7);
  Trace t;
  for (int k = 0; k < kSteps; ++k) {
    const Seq2SeqBatch batch = make_batch(static_cast<std::size_t>(k) % s.buckets.size(), s, rng);
    t.loss.push_back(run.step(batch));
    t.norm.push_back(run.last_norm());
  }
  return t;
}

// |got_k − ref_k| ≤ max(kDriftFactor · max_{j ≤ k} |f32_j − ref_j|, kRelFloor |ref_k|) per step.
::testing::AssertionResult follows(const std::vector<double>& got, const std::vector<double>& f32,
                                   const std::vector<double>& ref) {
  double drift = 0;
  for (std::size_t k = 0; k < ref.size(); ++k) {
    drift = std::max(drift, std::fabs(f32[k] - ref[k]));
    const double allowed = std::max(kDriftFactor * drift, kRelFloor * std::fabs(ref[k]));
    if (!(std::fabs(got[k] - ref[k]) <= allowed))
      return ::testing::AssertionFailure() << "step " << k << ": " << got[k] << " vs float64 " << ref[k]
                                           << " (|diff| " << std::fabs(got[k] - ref[k]) << " > allowed " << allowed
                                           << "; CPU float32 " << f32[k] << ")";
  }
  return ::testing::AssertionSuccess();
}

struct References {
  Trace f64, f32;
};
// The float64 and float32 CPU runs from the float32 run's initial parameters.
References cpu_references(const RunSetup& s, TrainingRun& f32) {
  TrainingRun f64 = sgd_run(s, DType::F64, Device::CPU);
  f64.copy_parameters_from(f32);
  References r;
  r.f64 = train_steps(f64, s);
  r.f32 = train_steps(f32, s);
  return r;
}

TEST(ModelParity, Float32CpuFollowsFloat64) {
  for (const RunSetup& s : two_setups()) {
    TrainingRun f32 = sgd_run(s, DType::F32, Device::CPU);
    const References r = cpu_references(s, f32);
    for (int k = 0; k < kSteps; ++k) {
      EXPECT_TRUE(std::isfinite(r.f64.loss[k]) && r.f64.loss[k] > 0) << s.name;
      // The floor must cover CPU float32 itself, or the CUDA comparison would hinge on luck.
      EXPECT_LE(std::fabs(r.f32.loss[k] - r.f64.loss[k]), kRelFloor * r.f64.loss[k]) << s.name << " step " << k;
    }
    EXPECT_LT(r.f64.loss.back(), r.f64.loss.front()) << s.name << ": SGD at lr 0.5 should reduce the loss";
  }
}

class ModelCudaParity : public CudaTest {};

TEST_F(ModelCudaParity, ShortTrainingRunGivesTheCpuLosses) {
  for (const RunSetup& s : two_setups()) {
    TrainingRun f32 = sgd_run(s, DType::F32, Device::CPU), dev = sgd_run(s, DType::F32, Device::CUDA);
    dev.copy_parameters_from(f32);
    const References r = cpu_references(s, f32);
    const Trace got = train_steps(dev, s);
    EXPECT_TRUE(follows(got.loss, r.f32.loss, r.f64.loss)) << s.name << " losses";
    EXPECT_TRUE(follows(got.norm, r.f32.norm, r.f64.norm)) << s.name << " gradient norms";
  }
}

namespace fs = std::filesystem;

fs::path fixture_dir() {
  const char* root = std::getenv("S2S_SOURCE_DIR");
  return fs::path(root ? root : ".") / "tests/fixtures/conformance";
}

class ConformanceOnCuda : public CudaTest {};

TEST_F(ConformanceOnCuda, EveryFloat32FixturePasses) {
  ASSERT_TRUE(fs::is_directory(fixture_dir())) << fixture_dir() << " (set S2S_SOURCE_DIR)";
  conformance::HarnessOptions options;
  options.device = Device::CUDA;
  int passed = 0;
  for (const auto& file : conformance::expand_fixture_paths({fixture_dir().string()})) {
    const auto report = conformance::check_fixture(file, options);
    EXPECT_TRUE(report.passed || report.skipped) << conformance::format_report(report);
    passed += report.passed ? 1 : 0;
  }
  EXPECT_GT(passed, 0) << "no fixture ran on CUDA";
}

}  // namespace
}  // namespace s2s::test
