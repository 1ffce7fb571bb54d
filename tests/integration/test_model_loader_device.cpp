// Owns: two properties of loading and evaluating a checkpoint that the CUDA paths depend on and
// that a CPU run can check:
//   * a float64 checkpoint asked onto CUDA (`s2s eval|decode --device cuda`) is refused up front by
//     load_model, naming the checkpoint, its dtype and the way out, before any device work (the
//     CUDA backend is float32-only; the failure used to come from the first kernel);
//   * evaluate_full's per-bucket loss is the in-order double sum of every batch's loss (it now
//     reads all of a bucket's batch losses from the device at once instead of one item() per
//     batch); checked against the batches' losses computed one by one here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "s2s/autograd/var.h"
#include "s2s/data/eval_batches.h"
#include "s2s/dist/world.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/eval/evaluate.h"
#include "s2s/model/model_loader.h"
#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ModelLoaderDevice, Float64CheckpointOnCudaIsRefusedBeforeAnyDeviceWork) {
  TempDir tmp;
  const std::string dataset = tmp / "tiny.h5", dir = tmp / "train";
  make_dataset(dataset);
  auto overrides = tiny_overrides(dataset, dir);
  overrides.push_back("model.dtype=float64");
  overrides.push_back("train.max_steps=2");
  train_local(make_config(overrides));
  try {
    (void)model::load_model(dir, std::nullopt, Device::CUDA);
    FAIL() << "a float64 checkpoint was accepted onto CUDA";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()),
                AllOf(HasSubstr("float64 model"), HasSubstr("float32 only"), HasSubstr("--device cpu"), HasSubstr(dir)));
  }
  const model::LoadedModel cpu = model::load_model(dir, std::nullopt, Device::CPU);
  EXPECT_EQ(cpu.model->params().parameters().front().dtype(), DType::F64);
}

TEST(ModelLoaderDevice, EvaluateFullSumsEveryBatchLossInOrder) {
  TempDir tmp;
  const std::string dataset = tmp / "tiny.h5", dir = tmp / "train";
  TinyData d;
  d.dev_pairs = 23;  // several batches of 4 per bucket, the last one short
  make_dataset(dataset, d);
  auto overrides = tiny_overrides(dataset, dir);
  overrides.push_back("train.max_steps=4");
  train_local(make_config(overrides));
  model::LoadedModel m = model::load_model(dir, dataset, Device::CPU);  // with its dev split
  dist::World world(dist::WorldOptions{.use_mpi = false, .timeout_s = {}});
  const auto evals = eval::evaluate_full(*m.model, m.dataset, "dev", 4, world);
  ASSERT_FALSE(evals.empty());
  int batches_seen = 0;
  for (const auto& e : evals) {
    data::EvalBatches batches(m.dataset, "dev", e.bucket, 4);
    double loss = 0, tokens = 0;
    data::Batch batch;
    ag::TapeScope no_tape(nullptr);
    while (batches.next(batch)) {
      loss += m.model->forward(model::Seq2SeqBatch::from(batch), model::ForwardMode::EvalFull).loss.value().item();
      tokens += kern::sum(batch.weights);
      ++batches_seen;
    }
    ASSERT_GT(tokens, 0);
    EXPECT_EQ(e.tokens, tokens) << "bucket " << e.bucket;
    EXPECT_EQ(e.loss, loss / tokens) << "bucket " << e.bucket;  // same sums, same order: bitwise
    EXPECT_TRUE(std::isfinite(e.perplexity));
  }
  EXPECT_GT(batches_seen, static_cast<int>(evals.size())) << "the test needs buckets of more than one batch";
}

}  // namespace
}  // namespace s2s::itest
