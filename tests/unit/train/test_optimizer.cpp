// Tests of the optimizers, clipping and learning-rate schedules against hand-computed values and
// independent formulations (Adam: the paper's bias-corrected form in long double).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "s2s/core/error.h"
#include "s2s/train/clip.h"
#include "s2s/train/lr_schedule.h"
#include "s2s/train/optimizer.h"

using namespace s2s;
using namespace s2s::train;
using namespace s2s::config;
using ::testing::HasSubstr;

namespace {

ParamRef param(const std::string& name, std::vector<double> value, std::vector<double> grad) {
  const Shape shape{static_cast<std::int64_t>(value.size())};
  return {name, Tensor::from_vector(shape, value), Tensor::from_vector(shape, grad)};
}

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol) {
  auto got = t.to_vector<double>();
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tol) << "element " << i;
}

void set_grad(ParamRef& p, std::vector<double> g) {
  p.grad.copy_from(Tensor::from_vector(p.value.shape(), g));
}

}  // namespace

TEST(Optimizer, SgdIsTranslateUpdate) {
  std::vector<ParamRef> ps = {param("a/kernel", {1, 2, 3}, {0.5, -1, 2}), param("a/bias", {0}, {4})};
  SgdOptimizer opt;
  opt.step(ps, 0.1);
  expect_values(ps[0].value, {0.95, 2.1, 2.8}, 1e-15);
  expect_values(ps[1].value, {-0.4}, 1e-15);
  EXPECT_TRUE(opt.state().empty());
  EXPECT_EQ(opt.updates(), 1);
}

TEST(Optimizer, MomentumMatchesHandComputedSteps) {
  std::vector<ParamRef> ps = {param("w", {0.5, -0.5}, {1, -2})};
  MomentumOptimizer opt(0.9);
  opt.step(ps, 0.1);  // accum = [1, -2]; w = [0.4, -0.3]
  expect_values(ps[0].value, {0.4, -0.3}, 1e-15);
  set_grad(ps[0], {0.5, 0.5});
  opt.step(ps, 0.1);  // accum = [1.4, -1.3]; w = [0.26, -0.17]
  expect_values(ps[0].value, {0.26, -0.17}, 1e-15);
  ASSERT_EQ(opt.state().count("w/Momentum"), 1u);
  expect_values(opt.state().at("w/Momentum"), {1.4, -1.3}, 1e-15);
}

TEST(Optimizer, AdamMatchesPaperFormWithEpsilonHat) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps_hat = 1e-3;  // large eps so it matters
  std::vector<ParamRef> ps = {param("emb", {0.3, -1.2, 2.0}, {0, 0, 0})};
  AdamOptimizer opt(b1, b2, eps_hat);
  const std::vector<std::vector<double>> grads = {{0.1, -0.4, 2.5}, {-0.3, 0.2, 1.0}, {0.05, -1.5, 0.0}};
  // Reference: Kingma & Ba Algorithm 1, with epsilon = eps_hat / sqrt(1 - b2^t) (TF's doc note).
  std::vector<long double> theta = {0.3L, -1.2L, 2.0L}, m(3, 0), v(3, 0);
  for (int t = 1; t <= 3; ++t) {
    set_grad(ps[0], grads[t - 1]);
    opt.step(ps, lr);
    const long double bc1 = 1 - std::pow((long double)b1, t), bc2 = 1 - std::pow((long double)b2, t);
    const long double eps = eps_hat / std::sqrt(bc2);
    for (int i = 0; i < 3; ++i) {
      const long double g = grads[t - 1][i];
      m[i] = b1 * m[i] + (1 - (long double)b1) * g;
      v[i] = b2 * v[i] + (1 - (long double)b2) * g * g;
      theta[i] -= lr * (m[i] / bc1) / (std::sqrt(v[i] / bc2) + eps);
    }
    auto got = ps[0].value.to_vector<double>();
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], (double)theta[i], 1e-14) << "t=" << t << " i=" << i;
  }
  const auto& st = opt.state();
  ASSERT_EQ(st.size(), 4u);
  expect_values(st.at("emb/Adam"), {(double)m[0], (double)m[1], (double)m[2]}, 1e-15);
  expect_values(st.at("emb/Adam_1"), {(double)v[0], (double)v[1], (double)v[2]}, 1e-15);
  // TF keeps beta^(t+1) after t updates (initialised to beta, multiplied in _finish).
  EXPECT_NEAR(st.at("beta1_power").item(), std::pow(b1, 4), 1e-15);
  EXPECT_NEAR(st.at("beta2_power").item(), std::pow(b2, 4), 1e-15);
}

TEST(Optimizer, AdamFirstStepIsLrTimesSign) {
  // With a tiny epsilon the first Adam step moves every coordinate by lr * sign(g).
  std::vector<ParamRef> ps = {param("x", {1, 1, 1}, {3, -0.01, 100})};
  AdamOptimizer opt(0.9, 0.999, 1e-12);
  opt.step(ps, 0.25);
  expect_values(ps[0].value, {0.75, 1.25, 0.75}, 1e-9);
}

TEST(Optimizer, Float32FollowsFloat64) {
  for (OptimizerKind kind : {OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Adam}) {
    OptimConfig cfg = TrainConfig().optim;
    cfg.optimizer = kind;
    auto o64 = make_optimizer(cfg), o32 = make_optimizer(cfg);
    std::vector<ParamRef> p64 = {param("p", {0.1, -0.2, 0.3, 0.4}, {0.5, 0.25, -1, 2})};
    std::vector<ParamRef> p32 = {{"p", p64[0].value.to_dtype(DType::F32), p64[0].grad.to_dtype(DType::F32)}};
    for (int s = 0; s < 5; ++s) {
      o64->step(p64, 0.05);
      o32->step(p32, 0.05);
    }
    auto a = p64[0].value.to_vector<double>();
    auto b = p32[0].value.to_vector<float>();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 2e-6) << to_string(kind);
  }
}

TEST(Optimizer, StateRoundTripAndErrors) {
  std::vector<ParamRef> ps = {param("w", {1, 2}, {0.1, 0.2}), param("b", {3}, {0.3})};
  AdamOptimizer a(0.9, 0.999, 1e-8);
  a.step(ps, 0.1);
  a.step(ps, 0.1);
  std::map<std::string, Tensor> saved;
  for (const auto& [k, t] : a.state()) saved[k] = t.clone();

  std::vector<ParamRef> ps2 = {param("w", {1, 2}, {0.1, 0.2}), param("b", {3}, {0.3})};
  AdamOptimizer b(0.9, 0.999, 1e-8);
  b.init(ps2);
  b.load_state(saved, a.updates());
  EXPECT_EQ(b.updates(), 2);
  for (const auto& [k, t] : a.state()) EXPECT_EQ(t.to_vector<double>(), b.state().at(k).to_vector<double>()) << k;

  AdamOptimizer c(0.9, 0.999, 1e-8);
  c.init(ps2);
  auto missing = saved;
  missing.erase("b/Adam_1");
  try {
    c.load_state(missing, 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("lacks 'b/Adam_1'"));
  }
  auto extra = saved;
  extra["q/Adam"] = Tensor::zeros({1}, DType::F64);
  EXPECT_THROW(c.load_state(extra, 2), Error);
  // A step with another parameter list is refused.
  std::vector<ParamRef> other = {param("b", {3}, {0.3}), param("w", {1, 2}, {0.1, 0.2})};
  EXPECT_THROW(a.step(other, 0.1), Error);
}

TEST(Clip, GlobalNormAsTf) {
  std::vector<Tensor> g = {Tensor::from_vector<double>({2}, {3, 0}), Tensor::from_vector<double>({1}, {4})};
  EXPECT_DOUBLE_EQ(clip_by_global_norm(g, 10.0), 5.0);  // below the threshold: unchanged
  expect_values(g[0], {3, 0}, 0);
  expect_values(g[1], {4}, 0);
  EXPECT_DOUBLE_EQ(clip_by_global_norm(g, 2.5), 5.0);  // scaled by 2.5 / 5
  expect_values(g[0], {1.5, 0}, 1e-15);
  expect_values(g[1], {2}, 1e-15);
  EXPECT_NEAR(global_norm(g), 2.5, 1e-15);
}

TEST(Clip, NonFiniteNormPoisonsEveryGradient) {
  std::vector<Tensor> g = {Tensor::from_vector<float>({2}, {1, std::numeric_limits<float>::infinity()}),
                           Tensor::from_vector<float>({1}, {4})};
  EXPECT_TRUE(std::isinf(clip_by_global_norm(g, 5.0)));
  for (const auto& t : g)
    for (float x : t.to_vector<float>()) EXPECT_TRUE(std::isnan(x));
}

TEST(LrSchedule, TranslatePlateauRule) {
  PlateauDecayLr s(0.5, 0.5);
  EXPECT_FALSE(s.on_checkpoint(5));  // fewer than 3 previous losses: never decays
  EXPECT_FALSE(s.on_checkpoint(6));
  EXPECT_FALSE(s.on_checkpoint(7));
  EXPECT_FALSE(s.on_checkpoint(7));   // equal to max(5, 6, 7): strict '>' does not fire
  EXPECT_DOUBLE_EQ(s.learning_rate(0), 0.5);
  EXPECT_TRUE(s.on_checkpoint(7.5));  // > max(6, 7, 7)
  EXPECT_DOUBLE_EQ(s.learning_rate(123), 0.25);
  EXPECT_FALSE(s.on_checkpoint(7.4));  // max(7, 7, 7.5) = 7.5
  EXPECT_FALSE(s.on_checkpoint(7.45));  // max(7, 7.5, 7.4) = 7.5
  EXPECT_DOUBLE_EQ(s.state().learning_rate, 0.25);
  EXPECT_TRUE(s.on_checkpoint(7.6));  // > max(7.5, 7.4, 7.45)
  EXPECT_DOUBLE_EQ(s.state().learning_rate, 0.125);
  EXPECT_EQ(s.state().previous_losses.size(), 8u);
}

TEST(LrSchedule, WarmupAndConstant) {
  TrainConfig cfg;
  cfg.optim.decay = DecayPolicy::None;
  cfg.optim.warmup_steps = 4;
  cfg.optim.learning_rate = 1.0;
  auto s = make_lr_schedule(cfg.optim);
  EXPECT_DOUBLE_EQ(s->learning_rate(0), 0.25);
  EXPECT_DOUBLE_EQ(s->learning_rate(1), 0.5);
  EXPECT_DOUBLE_EQ(s->learning_rate(3), 1.0);
  EXPECT_DOUBLE_EQ(s->learning_rate(1000), 1.0);
  for (double l : {1.0, 2.0, 3.0, 4.0}) EXPECT_FALSE(s->on_checkpoint(l));
  EXPECT_EQ(s->state().previous_losses, (std::vector<double>{1, 2, 3, 4}));
  LrScheduleState st{0.3, {9, 8}};
  s->restore(st);
  EXPECT_DOUBLE_EQ(s->learning_rate(100), 0.3);
}
