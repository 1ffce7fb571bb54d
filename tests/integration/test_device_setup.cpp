// Owns: what `s2s train`, `eval` and `decode` do when CUDA is asked for on a machine that has no
// usable GPU (a CPU-only build, no driver, no visible device: CI and this project's build machine):
// a non-zero exit with one error that names the setting that asked for CUDA, says no CUDA device
// is usable and why, and nothing written to the train_dir. Skipped where a GPU is usable (there
// the same commands run on it: tools/gpu/run_gpu_tests.sh).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "s2s/kernels/cuda_runtime_api.h"
#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

class DeviceSetup : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda::device_count() > 0) GTEST_SKIP() << "a CUDA device is usable here";
  }
};

TEST_F(DeviceSetup, TrainEvalAndDecodeOnCudaWithoutAGpuFailClearly) {
  TempDir tmp;
  const std::string dataset = tmp / "tiny.h5", dir = tmp / "train";
  make_dataset(dataset);
  std::vector<std::string> args = {"train"};
  for (const auto& a : as_set_args(tiny_overrides(dataset, dir))) args.push_back(a);
  for (const auto& a : as_set_args({"model.device=cuda"})) args.push_back(a);
  auto r = run_s2s(args, tmp.path());
  EXPECT_NE(r.code, 0) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("model.device = cuda"), HasSubstr("no CUDA device is usable here")));
  EXPECT_FALSE(std::filesystem::exists(dir + "/latest")) << "nothing trained, nothing checkpointed";

  // A checkpoint trained on the CPU, evaluated and decoded with --device cuda.
  train_local(make_config([&] {
    auto s = tiny_overrides(dataset, dir);
    s.push_back("train.max_steps=2");
    return s;
  }()));
  r = run_s2s({"eval", "--checkpoint", dir, "--device", "cuda"}, tmp.path());
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_THAT(r.err, AllOf(HasSubstr("--device = cuda"), HasSubstr("no CUDA device is usable here")));
  r = run_s2s({"eval", "--checkpoint", dir}, tmp.path());
  EXPECT_EQ(r.code, 0) << r.err << "\n(the CPU stays the default)";
}

}  // namespace
}  // namespace s2s::itest
