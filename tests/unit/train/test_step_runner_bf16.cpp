// StepRunner under the BF16 matmul precision rounds each parameter to bfloat16 once per step
// (kernels/bf16_cache.h) and trains bit for bit as when every GEMM rounds its own operands.
// Two identical models (GRU + attention + sampled softmax with dropout; 2-layer LSTM with two
// heads and the full softmax) take 8 steps each through StepRunner on the same batches, one with
// the cache and one without, with global-norm clipping and an SGD update between steps (so a copy
// kept past its step would be stale and show). Checks: bitwise equal losses and parameters; the
// cached run rounded every float32 parameter a GEMM reads once per step and served the other
// reads from the copies; nothing is cached under float32. CPU, under a second.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "s2s/core/philox.h"
#include "s2s/kernels/gemm.h"
#include "s2s/train/clip.h"
#include "s2s/train/optimizer.h"
#include "s2s/model/seq2seq_model.h"
#include "s2s/train/step_runner.h"
#include "support/translate_runs.h"

namespace s2s::test {
namespace {

class RunnerRun {
 public:
  RunnerRun(const RunSetup& s, bool cache) {
    model_ = std::make_unique<model::Seq2SeqModel>(s.model, s.source_vocab, s.target_vocab, s.buckets, /*seed=*/77);
    model_->create_variables();
    train::StepRunner::Options o;
    o.cache_bf16_operands = cache;
    runner_ = std::make_unique<train::StepRunner>(*model_, o, nullptr);
  }
  // The step's loss; the runner's result in last().
  float step(const model::Seq2SeqBatch& batch) {
    last_ = runner_->run(model_->make_feed(batch, model::ForwardMode::Train), {});
    std::vector<Tensor> grads;
    std::vector<train::ParamRef> refs;
    for (auto& p : model_->params().parameters()) {
      grads.push_back(p.grad());
      refs.push_back({p.name(), p.value(), p.grad()});
    }
    train::clip_by_global_norm(grads, 5.0);
    optimizer_.step(refs, 0.5);
    return static_cast<float>(last_.loss.item());
  }
  std::vector<float> parameters() const {
    std::vector<float> all;
    for (const auto& p : model_->params().parameters()) {
      const auto v = p.value().to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  }
  const train::StepRunner::Result& last() const { return last_; }

 private:
  std::unique_ptr<model::Seq2SeqModel> model_;
  std::unique_ptr<train::StepRunner> runner_;
  train::SgdOptimizer optimizer_;
  train::StepRunner::Result last_;
};

TEST(StepRunnerBf16, CachedParameterCopiesTrainBitForBitAsUncached) {
  kern::MatmulPrecisionScope bf16(kern::MatmulPrecision::BF16);
  for (RunSetup s : two_setups()) {
    SCOPED_TRACE(s.name);
    if (s.model.num_samples > 0) s.model.input_keep_prob = s.model.output_keep_prob = 0.8;  // dropout too
    RunnerRun cached(s, true), uncached(s, false);
    PhiloxStream rng(3, 0);
    for (int i = 0; i < 8; ++i) {
      const model::Seq2SeqBatch batch = make_batch(static_cast<std::size_t>(i % 2), s, rng);
      const float a = cached.step(batch), b = uncached.step(batch);
      ASSERT_EQ(a, b) << "step " << i;
      EXPECT_GT(cached.last().bf16_operands.conversions, 0u) << "step " << i << ": the cache was open";
      EXPECT_GT(cached.last().bf16_operands.reuses, cached.last().bf16_operands.conversions)
          << "step " << i << ": weights are read by several GEMMs per step";
      EXPECT_EQ(uncached.last().bf16_operands.conversions, 0u);
    }
    EXPECT_EQ(cached.parameters(), uncached.parameters());
  }
}

TEST(StepRunnerBf16, NothingIsCachedUnderFloat32) {
  RunSetup s = two_setups()[0];
  RunnerRun run(s, true);
  PhiloxStream rng(3, 0);
  run.step(make_batch(0, s, rng));
  EXPECT_EQ(run.last().bf16_operands.conversions + run.last().bf16_operands.reuses, 0u);
}

}  // namespace
}  // namespace s2s::test
