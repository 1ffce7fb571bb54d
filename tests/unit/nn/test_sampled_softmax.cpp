// Tests: the log-uniform sampler (distribution by a chi-square test against P(k), uniqueness,
// num_tries, both expected-count formulas, reproducibility from the Philox state) and
// sampled_softmax_loss (hand-computed values with and without accidental-hit removal, gradients,
// errors) of spec §7.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "error_matchers.h"
#include "grad_check.h"
#include "s2s/nn/sampled_softmax.h"

namespace s2s::nn {
namespace {

using namespace s2s::nn::testing;

double p_of(std::int64_t k, std::int64_t v) { return (std::log(k + 2.0) - std::log(k + 1.0)) / std::log(v + 1.0); }

TEST(LogUniformSampler, ProbabilitiesSumToOneAndMatchFormula) {
  LogUniformSampler s(50);
  double total = 0;
  for (std::int64_t k = 0; k < 50; ++k) {
    EXPECT_NEAR(s.probability(k), p_of(k, 50), 1e-15);
    total += s.probability(k);
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_GT(s.probability(0), s.probability(1));  // low ids are the frequent ones
}

TEST(LogUniformSampler, DrawsFollowPByChiSquare) {
  const std::int64_t V = 20, N = 200000;
  LogUniformSampler s(V);
  PhiloxStream rng(42, 7);
  std::vector<double> counts(V, 0.0);
  for (std::int64_t i = 0; i < N; ++i) {
    const auto k = s.draw(rng);
    ASSERT_GE(k, 0);
    ASSERT_LT(k, V);
    counts[static_cast<size_t>(k)] += 1;
  }
  double chi2 = 0;
  for (std::int64_t k = 0; k < V; ++k) {
    const double e = N * p_of(k, V);
    chi2 += (counts[k] - e) * (counts[k] - e) / e;
  }
  EXPECT_LT(chi2, 43.82) << "chi-square with 19 degrees of freedom (p = 0.001 critical value 43.82)";
  // And a wrong distribution would fail: the uniform one is far off.
  double chi2_uniform = 0;
  for (std::int64_t k = 0; k < V; ++k) chi2_uniform += (counts[k] - N / double(V)) * (counts[k] - N / double(V)) / (N / double(V));
  EXPECT_GT(chi2_uniform, 1000.0);
}

TEST(LogUniformSampler, UniqueSamplingAndExpectedCounts) {
  const std::int64_t V = 10, S = 6;
  LogUniformSampler s(V);
  PhiloxStream rng(3, 1);
  Tensor labels = Tensor::from_vector<std::int32_t>({3, 1}, {0, 5, 9});
  SampledValues sv = s.sample_with_counts(labels, S, true, rng, DType::F64);
  auto ids = sv.sampled_candidates.to_vector<std::int32_t>();
  std::set<std::int32_t> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(S));
  // Re-draw from the same state to learn num_tries, then check the formula independently.
  PhiloxStream again(3, 1);
  auto draw = s.sample(S, true, again);
  EXPECT_EQ(std::vector<std::int64_t>(ids.begin(), ids.end()), draw.sampled);
  ASSERT_GT(draw.num_tries, S) << "pick a seed that needs retries to exercise the second formula";
  auto q = sv.sampled_expected_count.to_vector<double>();
  for (std::int64_t j = 0; j < S; ++j)
    EXPECT_NEAR(q[j], 1.0 - std::pow(1.0 - p_of(ids[j], V), double(draw.num_tries)), 1e-12);
  auto tq = sv.true_expected_count.to_vector<double>();
  EXPECT_EQ(sv.true_expected_count.shape(), (Shape{3, 1}));
  EXPECT_NEAR(tq[1], 1.0 - std::pow(1.0 - p_of(5, V), double(draw.num_tries)), 1e-12);
  // num_tries == S (non-unique draws): Q = S · P.
  PhiloxStream r2(3, 2);
  SampledValues nu = s.sample_with_counts(labels, S, false, r2, DType::F64);
  EXPECT_NEAR(nu.true_expected_count.to_vector<double>()[2], S * p_of(9, V), 1e-15);
  EXPECT_DOUBLE_EQ(LogUniformSampler::expected_count(0.25, 4, 4), 1.0);
  EXPECT_NEAR(LogUniformSampler::expected_count(0.25, 4, 5), 1.0 - std::pow(0.75, 5), 1e-15);
}

TEST(LogUniformSampler, StreamStateMakesItReproducible) {
  LogUniformSampler s(1000);
  PhiloxStream rng(9, 4);
  s.sample(20, true, rng);
  const PhiloxStream::State saved = rng.state();
  auto a = s.sample(30, true, rng);
  PhiloxStream restored(saved);
  auto b = s.sample(30, true, restored);
  EXPECT_EQ(a.sampled, b.sampled);
  EXPECT_EQ(a.num_tries, b.num_tries);
}

TEST(LogUniformSampler, Errors) {
  LogUniformSampler s(5);
  PhiloxStream rng(1, 1);
  EXPECT_S2S_ERROR(s.sample(6, true, rng), "Sampler's range is too small.");
  EXPECT_NO_THROW(s.sample(6, false, rng));
  EXPECT_S2S_ERROR(s.sample_with_counts(Tensor::from_vector<std::int32_t>({1, 1}, {5}), 2, true, rng, DType::F64),
                   "outside [0, 5)");
}

struct SoftmaxCase {
  Var w, b, x;
  Tensor labels;
  SampledValues sv;
};

SoftmaxCase make_case() {
  SoftmaxCase c;
  c.w = random_var({6, 3}, 1);
  c.b = random_var({6}, 2);
  c.x = random_var({2, 3}, 3);
  c.labels = Tensor::from_vector<std::int32_t>({2, 1}, {4, 0});
  c.sv.sampled_candidates = Tensor::from_vector<std::int32_t>({3}, {1, 4, 2});  // 4: an accidental hit of row 0
  c.sv.true_expected_count = Tensor::from_vector<double>({2, 1}, {0.3, 0.9});
  c.sv.sampled_expected_count = Tensor::from_vector<double>({3}, {0.5, 0.3, 0.4});
  return c;
}

double hand_loss(const SoftmaxCase& c, int b, bool remove_hits) {
  auto w = c.w.value().to_vector<double>(), bias = c.b.value().to_vector<double>(), x = c.x.value().to_vector<double>();
  auto logit = [&](int row, int cls) {
    double s = bias[cls];
    for (int k = 0; k < 3; ++k) s += x[row * 3 + k] * w[cls * 3 + k];
    return s;
  };
  const int label = c.labels.to_vector<std::int32_t>()[b];
  const double t = logit(b, label) - std::log(c.sv.true_expected_count.to_vector<double>()[b]);
  double sum = std::exp(t);
  const auto ids = c.sv.sampled_candidates.to_vector<std::int32_t>();
  const auto q = c.sv.sampled_expected_count.to_vector<double>();
  for (int j = 0; j < 3; ++j) {
    if (remove_hits && ids[j] == label) continue;  // −FLT_MAX: exp(...) = 0
    sum += std::exp(logit(b, ids[j]) - std::log(q[j]));
  }
  return -t + std::log(sum);
}

TEST(SampledSoftmax, MatchesHandComputationWithAndWithoutHitRemoval) {
  SoftmaxCase c = make_case();
  for (bool remove : {true, false}) {
    SampledSoftmaxOptions o;
    o.num_sampled = 3;
    o.num_classes = 6;
    o.remove_accidental_hits = remove;
    o.sampled_values = c.sv;
    auto loss = sampled_softmax_loss(c.w, c.b, c.labels, c.x, o).value().to_vector<double>();
    ASSERT_EQ(loss.size(), 2u);
    EXPECT_NEAR(loss[0], hand_loss(c, 0, remove), 1e-12) << "remove_accidental_hits=" << remove;
    EXPECT_NEAR(loss[1], hand_loss(c, 1, remove), 1e-12);
  }
  EXPECT_GT(std::fabs(hand_loss(c, 0, true) - hand_loss(c, 0, false)), 1e-3);  // the hit matters
}

TEST(SampledSoftmax, Gradients) {
  SoftmaxCase c = make_case();
  SampledSoftmaxOptions o;
  o.num_sampled = 3;
  o.num_classes = 6;
  o.sampled_values = c.sv;
  ag::ParamStore ps(1, DType::F64);
  auto report = check_gradients(ps, {c.w, c.b, c.x},
                                [&] { return std::vector<Var>{sampled_softmax_loss(c.w, c.b, c.labels, c.x, o)}; });
  S2S_EXPECT_GRADIENTS(report, 1e-8);
}

TEST(SampledSoftmax, AsSoftmaxLossFunctionDrawsOncePerCall) {
  SoftmaxCase c = make_case();
  PhiloxStream rng(11, 0);
  SoftmaxLossFn f = make_sampled_softmax_loss(c.w, c.b, 3, 6, &rng);
  Tensor labels = Tensor::from_vector<std::int32_t>({2}, {4, 0});
  const auto before = rng.state();
  Var l1 = f(labels, c.x);
  EXPECT_NE(rng.state().position, before.position);
  PhiloxStream replay(before);
  SoftmaxLossFn g = make_sampled_softmax_loss(c.w, c.b, 3, 6, &replay);
  EXPECT_EQ(l1.value().to_vector<double>(), g(labels, c.x).value().to_vector<double>());
}

TEST(SampledSoftmax, Errors) {
  SoftmaxCase c = make_case();
  SampledSoftmaxOptions o;
  o.num_sampled = 3;
  o.num_classes = 6;
  o.sampled_values = c.sv;
  EXPECT_S2S_ERROR(sampled_softmax_loss(c.w, c.b, Tensor::from_vector<std::int32_t>({2, 1}, {6, 0}), c.x, o),
                   "outside [0, 6)");
  o.sampled_values.reset();
  EXPECT_S2S_ERROR(sampled_softmax_loss(c.w, c.b, c.labels, c.x, o), "needs sampled_values or an rng");
  PhiloxStream rng(1, 1);
  o.rng = &rng;
  o.num_sampled = 7;
  EXPECT_S2S_ERROR(sampled_softmax_loss(c.w, c.b, c.labels, c.x, o), "Sampler's range is too small.");
}

}  // namespace
}  // namespace s2s::nn
