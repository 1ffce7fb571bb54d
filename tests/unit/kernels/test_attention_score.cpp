// Owns: tests of the fused attention score kernels (kernels/attention.h via kern::): forward and
// backward against the spec formula (§4.7) and its derivatives in long double, with per-element
// dot-product bounds; accumulation, null outputs, empty sizes and shape errors. Finite-difference
// checks of the same op: autograd/test_rnn_ops_gradcheck.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

using LD = long double;
double unit(DType dt) { return dt == DType::F32 ? tol::kU32 : tol::kU64; }

struct ScoreRef {
  std::vector<double> e, e_bound, df, df_bound, dy, dy_bound, dv, dv_bound;
};

ScoreRef reference(const std::vector<double>& f, const std::vector<double>& y, const std::vector<double>& v,
                   const std::vector<double>& de, const std::vector<double>& df0, const std::vector<double>& dy0,
                   const std::vector<double>& dv0, std::int64_t b, std::int64_t l, std::int64_t a, double u) {
  ScoreRef r{std::vector<double>(b * l), std::vector<double>(b * l), df0, std::vector<double>(df0.size()), dy0,
             std::vector<double>(dy0.size()), dv0, std::vector<double>(dv0.size())};
  std::vector<LD> dy_abs(dy0.size()), dv_abs(dv0.size());
  for (std::size_t i = 0; i < dy0.size(); ++i) dy_abs[i] = std::abs(dy0[i]);
  for (std::size_t i = 0; i < dv0.size(); ++i) dv_abs[i] = std::abs(dv0[i]);
  std::vector<LD> dy_acc(dy0.begin(), dy0.end()), dv_acc(dv0.begin(), dv0.end());
  for (std::int64_t i = 0; i < b; ++i)
    for (std::int64_t j = 0; j < l; ++j) {
      LD s = 0, s_abs = 0;
      for (std::int64_t k = 0; k < a; ++k) {
        const std::size_t at = (i * l + j) * a + k;
        const LD x = LD(f[at]) + y[i * a + k], t = std::tanh(x);
        s += v[k] * t;
        s_abs += std::abs(v[k]) * (1 + std::abs(x));
        const LD g = de[i * l + j] * v[k] * (1 - t * t);
        // 1 − t² cancels near |t| = 1: its error is absolute (a few u), so g's error scales with
        // |de v| (1 + |f + y|), not with |g|.
        const LD g_mass = std::abs(de[i * l + j] * v[k]) * (1 + std::abs(x));
        r.df[at] = double(df0[at] + g);
        r.df_bound[at] = tol::dot_bound(2, u, double(std::abs(df0[at]) + g_mass));
        dy_acc[i * a + k] += g;
        dy_abs[i * a + k] += g_mass;
        dv_acc[k] += de[i * l + j] * t;
        dv_abs[k] += std::abs(de[i * l + j]) * (1 + std::abs(x));
      }
      r.e[i * l + j] = double(s);
      r.e_bound[i * l + j] = tol::dot_bound(a, u, double(s_abs));
    }
  for (std::size_t i = 0; i < dy0.size(); ++i) {
    r.dy[i] = double(dy_acc[i]);
    r.dy_bound[i] = tol::dot_bound(l + 1, u, double(dy_abs[i]));
  }
  for (std::size_t i = 0; i < dv0.size(); ++i) {
    r.dv[i] = double(dv_acc[i]);
    r.dv_bound[i] = tol::dot_bound(b * l + b + 1, u, double(dv_abs[i]));
  }
  return r;
}

TEST(AttentionScore, ForwardAndBackwardMatchSpec) {
  struct Dims { std::int64_t b, l, a; };
  for (DType dt : {DType::F32, DType::F64})
    for (const Dims d : {Dims{1, 1, 1}, Dims{3, 7, 5}, Dims{2, 33, 17}}) {
      const std::uint64_t seed = 100 * d.b + 10 * d.l + d.a;
      Tensor f = random_tensor({d.b, d.l, d.a}, dt, seed, -2, 2), y = random_tensor({d.b, d.a}, dt, seed + 1, -2, 2),
             v = random_tensor({d.a}, dt, seed + 2), de = random_tensor({d.b, d.l}, dt, seed + 3);
      Tensor df = random_tensor(f.shape(), dt, seed + 4), dy = random_tensor(y.shape(), dt, seed + 5),
             dv = random_tensor(v.shape(), dt, seed + 6);
      const ScoreRef want = reference(to_doubles(f), to_doubles(y), to_doubles(v), to_doubles(de), to_doubles(df),
                                      to_doubles(dy), to_doubles(dv), d.b, d.l, d.a, unit(dt));
      Tensor e = Tensor::empty({d.b, d.l}, dt);
      kern::attention_score_forward(e, f, y, v);
      kern::attention_score_backward(&df, &dy, &dv, f, y, v, de);
      EXPECT_TRUE(values_within(to_doubles(e), want.e, want.e_bound, e.shape())) << dtype_name(dt);
      EXPECT_TRUE(values_within(to_doubles(df), want.df, want.df_bound, df.shape())) << dtype_name(dt);
      EXPECT_TRUE(values_within(to_doubles(dy), want.dy, want.dy_bound, dy.shape())) << dtype_name(dt);
      EXPECT_TRUE(values_within(to_doubles(dv), want.dv, want.dv_bound, dv.shape())) << dtype_name(dt);
    }
}

TEST(AttentionScore, NullGradientsAreSkipped) {
  const DType dt = DType::F64;
  Tensor f = random_tensor({2, 3, 4}, dt, 1), y = random_tensor({2, 4}, dt, 2), v = random_tensor({4}, dt, 3),
         de = random_tensor({2, 3}, dt, 4);
  Tensor dv_only = Tensor::zeros({4}, dt), dv_all = Tensor::zeros({4}, dt), df = Tensor::zeros(f.shape(), dt),
         dy = Tensor::zeros(y.shape(), dt);
  kern::attention_score_backward(nullptr, nullptr, &dv_only, f, y, v, de);
  kern::attention_score_backward(&df, &dy, &dv_all, f, y, v, de);
  EXPECT_TRUE(tensors_close(dv_only, dv_all, 0, 0));
}

TEST(AttentionScore, EmptySizesAndShapeErrors) {
  const DType dt = DType::F32;
  Tensor f = Tensor::zeros({2, 3, 0}, dt), y = Tensor::zeros({2, 0}, dt), v = Tensor::zeros({0}, dt);
  Tensor e = Tensor::full({2, 3}, dt, 7.0);
  kern::attention_score_forward(e, f, y, v);  // an empty sum over A: 0
  EXPECT_TRUE(tensor_matches(e, std::vector<double>(6, 0.0), 0, 0));
  Tensor f2 = Tensor::zeros({2, 3, 4}, dt), y_bad = Tensor::zeros({3, 4}, dt), v2 = Tensor::zeros({4}, dt);
  EXPECT_THROW(kern::attention_score_forward(e, f2, y_bad, v2), Error);
}

}  // namespace
}  // namespace s2s::test
