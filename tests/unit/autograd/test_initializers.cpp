// Owns: tests of the initialisers (autograd/initializers.h): TF's fan rules and glorot limits,
// computed by hand from init_ops._compute_fans (spec §1.0), and the statistics of the values
// drawn: all within [−L, L], mean ≈ 0 and mean square ≈ L²/3 within tol::kSigmas standard errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "s2s/autograd/initializers.h"
#include "s2s/autograd/param_store.h"
#include "support/compare.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

using ag::Initializer;

TEST(Fans, FollowTensorFlowsComputeFans) {
  auto fans = [](const Shape& s) {
    const ag::Fans f = ag::compute_fans(s);
    return std::pair{f.fan_in, f.fan_out};
  };
  EXPECT_EQ(fans({}), (std::pair{1.0, 1.0}));                  // rank 0
  EXPECT_EQ(fans({5}), (std::pair{5.0, 5.0}));                 // rank 1: [n] -> (n, n)
  EXPECT_EQ(fans({3, 4}), (std::pair{3.0, 4.0}));              // rank 2
  EXPECT_EQ(fans({2, 3, 4}), (std::pair{6.0, 8.0}));           // receptive field 2
  EXPECT_EQ(fans({1, 1, 7, 7}), (std::pair{7.0, 7.0}));        // attention AttnW [1, 1, A, A]
  EXPECT_EQ(fans({3, 5, 7, 11}), (std::pair{105.0, 165.0}));   // receptive field 15
}

TEST(Fans, GlorotLimitsOfTheModelsShapes) {
  const double a = 33, in = 7, n = 16;
  EXPECT_DOUBLE_EQ(ag::glorot_limit({1, 1, 33, 33}), std::sqrt(3 / a));             // AttnW_k
  EXPECT_DOUBLE_EQ(ag::glorot_limit({33}), std::sqrt(3 / a));                       // AttnV_k, proj_b
  EXPECT_DOUBLE_EQ(ag::glorot_limit({7 + 16, 2 * 16}), std::sqrt(6 / (in + 3 * n)));  // GRU gates
  EXPECT_DOUBLE_EQ(ag::glorot_limit({7 + 16, 4 * 16}), std::sqrt(6 / (in + 5 * n)));  // LSTM
  EXPECT_DOUBLE_EQ(ag::glorot_limit({}), std::sqrt(3.0));                           // scalar
  EXPECT_DOUBLE_EQ(ag::glorot_limit({40000, 512}), std::sqrt(6.0 / 40512));         // proj_w
}

// Draws `shape` with `init` and checks range and the first two moments of U(lo, hi).
void check_uniform(const Shape& shape, const Initializer& init, double lo, double hi, DType dt) {
  SCOPED_TRACE(shape_str(shape) + " " + init.describe() + " " + std::string(dtype_name(dt)));
  Tensor t = Tensor::empty(shape, dt);
  PhiloxStream rng(2024, stable_hash(init.describe().data(), init.describe().size()));
  ag::initialize(t, init, rng);
  const std::vector<double> v = to_doubles(t);
  const double center = (lo + hi) / 2, half = (hi - lo) / 2;
  double sum = 0, sum2 = 0, mn = INFINITY, mx = -INFINITY;
  for (double x : v) {
    sum += x - center;
    sum2 += (x - center) * (x - center);
    mn = std::min(mn, x);
    mx = std::max(mx, x);
  }
  const auto n = static_cast<std::int64_t>(v.size());
  EXPECT_GE(mn, lo);
  EXPECT_LE(mx, hi);
  EXPECT_NEAR(sum / n, 0.0, tol::uniform_mean_bound(half, n));
  EXPECT_NEAR(sum2 / n, half * half / 3, tol::uniform_second_moment_bound(half, n));
  // With n ≥ 10^4 draws the extremes come within 0.1% of the bounds (P(miss) ≈ e^-10).
  EXPECT_LT(mn, lo + 1e-3 * (hi - lo));
  EXPECT_GT(mx, hi - 1e-3 * (hi - lo));
}

TEST(GlorotUniform, StatisticsForRanks1To4) {
  for (DType dt : {DType::F32, DType::F64}) {
    for (const Shape& s : std::vector<Shape>{{20000}, {100 + 128, 2 * 128}, {1, 1, 128, 128}, {4, 5, 30, 40}}) {
      const double limit = ag::glorot_limit(s);
      check_uniform(s, Initializer::glorot_uniform(), -limit, limit, dt);
    }
  }
  // The hand-computed limits of those shapes, so a wrong fan rule cannot pass silently.
  EXPECT_DOUBLE_EQ(ag::glorot_limit({100 + 128, 2 * 128}), std::sqrt(6.0 / (100 + 3 * 128)));
  EXPECT_DOUBLE_EQ(ag::glorot_limit({1, 1, 128, 128}), std::sqrt(3.0 / 128));
  EXPECT_DOUBLE_EQ(ag::glorot_limit({4, 5, 30, 40}), std::sqrt(6.0 / (20 * 30 + 20 * 40)));
}

TEST(GlorotUniform, ScalarStaysWithinSqrt3) {
  Tensor t = Tensor::empty({}, DType::F32);
  for (std::uint64_t s = 0; s < 100; ++s) {
    PhiloxStream rng(s, 0);
    ag::initialize(t, Initializer::glorot_uniform(), rng);
    ASSERT_LE(std::abs(t.item()), std::sqrt(3.0));
  }
}

TEST(UniformInitializer, EmbeddingWrapperRangeHasUnitVariance) {
  // U(−√3, √3): variance 3/3 = 1.
  for (DType dt : {DType::F32, DType::F64})
    check_uniform({300, 100}, Initializer::uniform(-std::sqrt(3.0), std::sqrt(3.0)), -std::sqrt(3.0), std::sqrt(3.0), dt);
  check_uniform({20000}, Initializer::uniform(2.0, 5.0), 2.0, 5.0, DType::F32);  // off-centre
}

TEST(ConstantInitializer, FillsEveryElement) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor t = Tensor::empty({3, 4}, dt);
    PhiloxStream rng(1, 1);
    ag::initialize(t, Initializer::constant(1.0), rng);
    EXPECT_TRUE(tensor_matches(t, std::vector<double>(12, 1.0), 0, 0));
    ag::initialize(t, Initializer::zeros(), rng);
    EXPECT_TRUE(tensor_matches(t, std::vector<double>(12, 0.0), 0, 0));
    EXPECT_EQ(rng.state().position, 0u);  // constants draw nothing
  }
}

TEST(Initializer, DeterministicInTheStreamStateAndRejectsIntTensors) {
  Tensor a = Tensor::empty({5, 7}, DType::F32), b = Tensor::empty({5, 7}, DType::F32);
  PhiloxStream r1(9, 9), r2(9, 9);
  ag::initialize(a, Initializer::glorot_uniform(), r1);
  ag::initialize(b, Initializer::glorot_uniform(), r2);
  EXPECT_TRUE(tensors_close(a, b, 0, 0));
  Tensor i = Tensor::empty({2}, DType::I32);
  EXPECT_THROW(ag::initialize(i, Initializer::glorot_uniform(), r1), Error);
  EXPECT_EQ(Initializer::glorot_uniform().describe(), "glorot_uniform");
  EXPECT_EQ(Initializer::constant(0.5).describe(), "constant(0.5)");
  EXPECT_EQ(Initializer::uniform(-1, 2).describe(), "uniform(-1, 2)");
}

TEST(ParamStoreInit, DefaultGlorotForAGruGateKernel) {
  // GRU gates [in + n, 2n] get L = sqrt(6 / (in + 3n)) by default (spec §1.0).
  const std::int64_t in = 100, n = 120;
  ag::ParamStore store(7);
  ag::VariableScope s(store, "gru_cell");
  ag::VariableScope g(store, "gates");
  ag::Var w = store.get_variable("kernel", {in + n, 2 * n});
  const double limit = std::sqrt(6.0 / (in + 3 * n));
  const std::vector<double> v = to_doubles(w.value());
  double sum2 = 0, mx = 0;
  for (double x : v) {
    sum2 += x * x;
    mx = std::max(mx, std::abs(x));
  }
  EXPECT_LE(mx, limit);
  EXPECT_GT(mx, 0.999 * limit);
  EXPECT_NEAR(sum2 / v.size(), limit * limit / 3,
              tol::uniform_second_moment_bound(limit, static_cast<std::int64_t>(v.size())));
}

}  // namespace
}  // namespace s2s::test
