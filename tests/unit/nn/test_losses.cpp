// Tests: sequence_loss_by_example / sequence_loss (spec §5): the values quoted from TF's
// seq2seq_test.py, a hand-computed weighted case, gradients by central differences (logits and
// weights, the 1e-12 denominator included), the softmax_loss_function hook and the length error.
#include <gtest/gtest.h>

#include <cmath>

#include "error_matchers.h"
#include "grad_check.h"
#include "s2s/autograd/ops.h"
#include "s2s/nn/losses.h"

namespace s2s::nn {
namespace {

using namespace s2s::nn::testing;

struct Case {
  std::vector<Var> logits, weights;
  std::vector<Tensor> targets;
};

// seq2seq_test.py: 3 steps, B = 2, 5 classes, all logits equal, weights 1.
Case tf_case() {
  Case c;
  for (int t = 0; t < 3; ++t) {
    c.logits.push_back(Var(Tensor::full({2, 5}, DType::F64, 1.0)));
    c.targets.push_back(Tensor::from_vector<std::int32_t>({2}, {t % 5, (t + 1) % 5}));
    c.weights.push_back(Var(Tensor::full({2}, DType::F64, 1.0)));
  }
  return c;
}

TEST(Losses, ValuesQuotedInSpec) {
  Case c = tf_case();
  SequenceLossOptions o;
  Var avg = sequence_loss(c.logits, c.targets, c.weights, o);
  EXPECT_NEAR(avg.value().item(), 1.609438, 1e-6);
  o.average_across_timesteps = false;
  o.average_across_batch = true;
  EXPECT_NEAR(sequence_loss(c.logits, c.targets, c.weights, o).value().item(), 4.828314, 1e-6);
  Var per_example = sequence_loss_by_example(c.logits, c.targets, c.weights, o);
  for (double v : per_example.value().to_vector<double>()) EXPECT_NEAR(v, 4.828314, 1e-6);
  o.average_across_batch = false;
  EXPECT_NEAR(sequence_loss(c.logits, c.targets, c.weights, o).value().item(), 9.656628, 1e-6);
  o.average_across_timesteps = true;
  for (double v : sequence_loss_by_example(c.logits, c.targets, c.weights, o).value().to_vector<double>())
    EXPECT_NEAR(v, 1.609438, 1e-6);
}

TEST(Losses, WeightedPerSequenceNormalisationByHand) {
  // B = 1, two steps with weights 1 and 0: the second step's loss is ignored and the
  // normaliser is 1 + 1e-12, so the result is the first step's cross-entropy.
  std::vector<Var> logits = {Var(Tensor::from_vector<double>({1, 3}, {0.0, 1.0, 2.0})),
                             Var(Tensor::from_vector<double>({1, 3}, {5.0, 0.0, 0.0}))};
  std::vector<Tensor> targets = {Tensor::from_vector<std::int32_t>({1}, {2}), Tensor::from_vector<std::int32_t>({1}, {1})};
  std::vector<Var> weights = {Var(Tensor::full({1}, DType::F64, 1.0)), Var(Tensor::full({1}, DType::F64, 0.0))};
  const double ce0 = std::log(1 + std::exp(1.0) + std::exp(2.0)) - 2.0;
  Var l = sequence_loss_by_example(logits, targets, weights);
  EXPECT_NEAR(l.value().item(), ce0 / (1.0 + 1e-12), 1e-14);
  // All weights zero: 0 / 1e-12 = 0, no NaN (the epsilon's purpose).
  weights[0] = Var(Tensor::full({1}, DType::F64, 0.0));
  EXPECT_EQ(sequence_loss_by_example(logits, targets, weights).value().item(), 0.0);
}

TEST(Losses, GradientsOfLogitsAndWeights) {
  std::vector<Var> logits, weights;
  std::vector<Tensor> targets;
  for (int t = 0; t < 3; ++t) {
    logits.push_back(random_var({3, 4}, 10 + t));
    weights.push_back(Var(random_tensor({3}, 20 + t, 0.2, 1.0), true));
    targets.push_back(Tensor::from_vector<std::int32_t>({3}, {t, (t + 2) % 4, 3}));
  }
  std::vector<Var> inputs = logits;
  inputs.insert(inputs.end(), weights.begin(), weights.end());
  for (bool avg_t : {true, false})
    for (bool avg_b : {true, false}) {
      ag::ParamStore ps(1, DType::F64);
      SequenceLossOptions o;
      o.average_across_timesteps = avg_t;
      o.average_across_batch = avg_b;
      auto report = check_gradients(ps, inputs, [&] {
        return std::vector<Var>{sequence_loss(logits, targets, weights, o),
                                sequence_loss_by_example(logits, targets, weights, o)};
      });
      S2S_EXPECT_GRADIENTS(report, 1e-8);
    }
}

TEST(Losses, SoftmaxLossFunctionHookGetsLabelsAndLogits) {
  Case c = tf_case();
  int calls = 0;
  SequenceLossOptions o;
  o.softmax_loss_function = [&](const Tensor& labels, const Var& logits) {
    EXPECT_EQ(labels.dtype(), DType::I32);
    EXPECT_EQ(labels.shape(), (Shape{2}));
    EXPECT_EQ(logits.shape(), (Shape{2, 5}));
    ++calls;
    return Var(Tensor::full({2}, DType::F64, 2.0));
  };
  o.average_across_timesteps = false;
  Var l = sequence_loss(c.logits, c.targets, c.weights, o);
  EXPECT_EQ(calls, 3);
  EXPECT_NEAR(l.value().item(), 6.0, 1e-15);  // Σ_t 2 per example, mean over the batch
}

TEST(Losses, LengthMismatchIsTFsError) {
  Case c = tf_case();
  c.weights.pop_back();
  EXPECT_S2S_ERROR(sequence_loss_by_example(c.logits, c.targets, c.weights),
                   "Lengths of logits, weights, and targets must be the same 3, 2, 3.");
  EXPECT_S2S_ERROR(sequence_loss(c.logits, c.targets, c.weights), "Lengths of logits, weights, and targets must be the same");
}

}  // namespace
}  // namespace s2s::nn
