// Mixed precision (kern::MatmulPrecision::BF16: bfloat16 GEMM operands, float32 accumulation,
// float32 master weights, optimizer state and loss) trains the translate model like float32.
// For a GRU model with attention and sampled softmax and a 2-layer LSTM with 2 attention heads and
// the full softmax, two runs start from the same float32 parameters and see the same batches and
// sampler draws: one in float32, one in bf16. Adam (lr 0.01) and translate's global-norm clipping
// (5.0), 40 steps on 4 fixed batches (2 per bucket), as the trainer's step without MPI.
// Checks: (1) both runs learn (the mean loss of the last 8 steps is below 60 % of the first 8);
// (2) the bf16 losses follow the float32 ones within tol::kMixedPrecisionLoss* relative, per step
// (see tests/support/tolerances.h for the derivation); (3) the bf16 run differs from the float32
// run from the first step on (the setting reaches the model's GEMMs); (4) bf16 leaves the master
// weights float32. CPU, a few seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "s2s/autograd/var.h"
#include "s2s/core/philox.h"
#include "s2s/kernels/gemm.h"
#include "s2s/train/clip.h"
#include "s2s/train/optimizer.h"
#include "s2s/model/seq2seq_model.h"
#include "support/tolerances.h"
#include "support/translate_runs.h"

namespace s2s::test {
namespace {

using kern::MatmulPrecision;
using model::Seq2SeqBatch;

constexpr int kSteps = 40;
constexpr int kBatchesPerBucket = 2;
constexpr double kLearningRate = 0.01, kMaxNorm = 5.0;

std::vector<Seq2SeqBatch> fixed_batches(const RunSetup& s) {
  PhiloxStream rng(99, /*stream=*/7);
  std::vector<Seq2SeqBatch> out;
  for (int i = 0; i < kBatchesPerBucket; ++i)
    for (std::size_t b = 0; b < s.buckets.size(); ++b) out.push_back(make_batch(b, s, rng));
  return out;
}

// The trainer's step: forward on the tape, backward, global-norm clip, Adam.
// Adam (TF defaults) at kLearningRate, clipped at kMaxNorm, float32 on the CPU.
TrainingRun adam_run(const RunSetup& s) {
  return TrainingRun(s, std::make_unique<train::AdamOptimizer>(0.9, 0.999, 1e-8), kLearningRate, kMaxNorm);
}

std::vector<double> train_losses(TrainingRun& run, const std::vector<Seq2SeqBatch>& batches) {
  std::vector<double> losses;
  for (int k = 0; k < kSteps; ++k) losses.push_back(run.step(batches[static_cast<std::size_t>(k) % batches.size()]));
  return losses;
}

double mean(const std::vector<double>& v, std::size_t begin, std::size_t end) {
  return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(end),
                         0.0) /
         static_cast<double>(end - begin);
}

TEST(MixedPrecision, Bf16TrainingFollowsFloat32) {
  for (const RunSetup& s : two_setups()) {
    const auto batches = fixed_batches(s);
    TrainingRun f32 = adam_run(s), bf16 = adam_run(s);
    bf16.copy_parameters_from(f32);
    std::vector<double> l32, l16;
    {  // explicit: the setting is process-wide, and a trainer test may have run before this one
      kern::MatmulPrecisionScope scope(MatmulPrecision::Float32);
      l32 = train_losses(f32, batches);
    }
    {
      kern::MatmulPrecisionScope scope(MatmulPrecision::BF16);
      l16 = train_losses(bf16, batches);
    }
    double worst = 0;
    for (int k = 0; k < kSteps; ++k) {
      ASSERT_TRUE(std::isfinite(l32[k]) && std::isfinite(l16[k])) << s.name << " step " << k;
      const double rel = std::fabs(l16[k] - l32[k]) / l32[k];
      worst = std::max(worst, rel);
      const double allowed = k == 0 ? tol::kMixedPrecisionLossFirstStep : tol::kMixedPrecisionLoss;
      EXPECT_LE(rel, allowed) << s.name << " step " << k << ": bf16 loss " << l16[k] << ", float32 " << l32[k];
    }
    // Learning: the last 8 steps (two passes over the 4 batches) average below 60 % of the first 8
    // (float32 reaches about 25 % (GRU) and 55 % (LSTM) in 40 steps).
    for (const std::vector<double>* l : std::initializer_list<const std::vector<double>*>{&l32, &l16})
      EXPECT_LT(mean(*l, kSteps - 8, kSteps), 0.6 * mean(*l, 0, 8))
          << s.name << (l == &l32 ? " float32" : " bf16") << ": first " << (*l)[0] << ", last " << l->back();
    // Same parameters, same batch, same draws: only the GEMM arithmetic can make step 0 differ.
    EXPECT_NE(l16[0], l32[0]) << s.name << ": the bf16 setting did not reach the model's GEMMs";
    for (DType d : bf16.parameter_dtypes()) EXPECT_EQ(d, DType::F32) << s.name << ": master weights must stay float32";
    std::printf("[ %s ] loss float32 %.5f -> %.5f, bf16 %.5f -> %.5f; step 0 rel diff %.2e, max rel diff %.2e\n",
                s.name.c_str(), l32[0], l32.back(), l16[0], l16.back(), std::fabs(l16[0] - l32[0]) / l32[0], worst);
  }
}

}  // namespace
}  // namespace s2s::test
