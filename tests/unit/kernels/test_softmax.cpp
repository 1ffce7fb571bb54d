// Owns: tests of the softmax family (kernels/softmax.h via kern::): softmax, log-softmax and
// softmax cross-entropy, forward and backward, against the direct formulas evaluated in long
// double (whose exponent range takes exp(1000) without the max-subtraction trick, so the
// reference does not share the kernels' stabilisation), including large logits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "s2s/kernels/softmax.h"
#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

using ::testing::HasSubstr;
using LD = long double;

double unit(DType dt) { return dt == DType::F32 ? tol::kU32 : tol::kU64; }

// Row-wise reference over the last axis: p = exp(x) / Σ exp(x), logp = x − log Σ exp(x).
struct RowRef {
  std::vector<LD> p, logp;
};
RowRef softmax_ref(const std::vector<double>& x, std::int64_t cols) {
  RowRef r{std::vector<LD>(x.size()), std::vector<LD>(x.size())};
  for (std::size_t base = 0; base < x.size(); base += cols) {
    LD s = 0;
    for (std::int64_t j = 0; j < cols; ++j) s += std::exp(static_cast<LD>(x[base + j]));
    for (std::int64_t j = 0; j < cols; ++j) {
      r.p[base + j] = std::exp(static_cast<LD>(x[base + j])) / s;
      r.logp[base + j] = static_cast<LD>(x[base + j]) - std::log(s);
    }
  }
  return r;
}

std::vector<double> to_double(const std::vector<LD>& v) { return {v.begin(), v.end()}; }

struct Case {
  Shape shape;
  double center, spread;  // logits U(center − spread/2, center + spread/2)
};
const Case kCases[] = {{{1, 1}, 0, 10}, {{7, 33}, 0, 10}, {{33, 7}, 0, 10}, {{3, 7, 5}, 0, 10},
                       {{4, 64}, 1000, 20}, {{4, 64}, -1000, 20}, {{2, 7}, 80, 30}};

TEST(Softmax, ForwardMatchesDirectFormula) {
  for (DType dt : {DType::F32, DType::F64}) {
    for (const Case& c : kCases) {
      SCOPED_TRACE(shape_str(c.shape) + " center " + std::to_string(c.center) + " " + std::string(dtype_name(dt)));
      Tensor x = random_tensor(c.shape, dt, 1, c.center - c.spread / 2, c.center + c.spread / 2);
      Tensor y = Tensor::empty(c.shape, dt);
      kern::softmax_rows(y, x);
      const std::int64_t cols = c.shape.back();
      const RowRef ref = softmax_ref(to_doubles(x), cols);
      EXPECT_TRUE(values_close(to_doubles(y), to_double(ref.p), 0.0, tol::softmax_rel_tol(cols, unit(dt), c.spread), c.shape));
    }
  }
}

TEST(LogSoftmax, ForwardMatchesDirectFormula) {
  for (DType dt : {DType::F32, DType::F64}) {
    for (const Case& c : kCases) {
      SCOPED_TRACE(shape_str(c.shape) + " center " + std::to_string(c.center) + " " + std::string(dtype_name(dt)));
      Tensor x = random_tensor(c.shape, dt, 2, c.center - c.spread / 2, c.center + c.spread / 2);
      Tensor y = Tensor::empty(c.shape, dt);
      kern::log_softmax_rows(y, x);
      const std::int64_t cols = c.shape.back();
      const RowRef ref = softmax_ref(to_doubles(x), cols);
      const double atol = tol::log_softmax_abs_tol(cols, unit(dt), std::abs(c.center) + c.spread);
      EXPECT_TRUE(values_close(to_doubles(y), to_double(ref.logp), atol, 0.0, c.shape));
    }
  }
}

TEST(Softmax, MaskedEntriesGetZeroProbability) {
  Tensor x = Tensor::from_vector<float>({2, 3}, {-INFINITY, 0.0f, 0.0f, 1.0f, -INFINITY, 1.0f});
  Tensor y = Tensor::empty({2, 3}, DType::F32);
  kern::softmax_rows(y, x);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0.0f, 0.5f, 0.5f, 0.5f, 0.0f, 0.5f}));
}

TEST(Softmax, BackwardAccumulatesTheJacobianProduct) {
  for (DType dt : {DType::F32, DType::F64}) {
    const Shape s{7, 33};
    Tensor x = random_tensor(s, dt, 3, -3, 3), dy = random_tensor(s, dt, 4);
    Tensor y = Tensor::empty(s, dt);
    kern::softmax_rows(y, x);
    Tensor dx = random_tensor(s, dt, 5);  // existing gradient: the kernel must add to it
    const std::vector<double> d0 = to_doubles(dx), yv = to_doubles(y), g = to_doubles(dy);
    kern::softmax_rows_backward(dx, y, dy);
    std::vector<double> ref(d0.size()), bound(d0.size());
    for (std::int64_t r = 0; r < s[0]; ++r) {
      LD dot = 0, abs_dot = 0;
      for (std::int64_t j = 0; j < s[1]; ++j) {
        dot += static_cast<LD>(g[r * s[1] + j]) * yv[r * s[1] + j];
        abs_dot += std::abs(static_cast<LD>(g[r * s[1] + j]) * yv[r * s[1] + j]);
      }
      for (std::int64_t j = 0; j < s[1]; ++j) {
        const std::int64_t i = r * s[1] + j;
        ref[i] = static_cast<double>(d0[i] + yv[i] * (g[i] - dot));
        // The dot product (γ_n), the difference, the product and the final add.
        bound[i] = tol::gamma(s[1] + 3, unit(dt)) * (std::abs(yv[i]) * (std::abs(g[i]) + static_cast<double>(abs_dot)) + std::abs(d0[i]));
      }
    }
    EXPECT_TRUE(values_within(to_doubles(dx), ref, bound, s)) << dtype_name(dt);
  }
}

TEST(LogSoftmax, BackwardAccumulates) {
  for (DType dt : {DType::F32, DType::F64}) {
    const Shape s{33, 7};
    Tensor x = random_tensor(s, dt, 6, -3, 3), dy = random_tensor(s, dt, 7);
    Tensor y = Tensor::empty(s, dt);
    kern::log_softmax_rows(y, x);
    Tensor dx = random_tensor(s, dt, 8);
    const std::vector<double> d0 = to_doubles(dx), g = to_doubles(dy);
    const RowRef p = softmax_ref(to_doubles(x), s[1]);
    kern::log_softmax_rows_backward(dx, y, dy);
    std::vector<double> ref(d0.size()), bound(d0.size());
    for (std::int64_t r = 0; r < s[0]; ++r) {
      LD gs = 0, gabs = 0;
      for (std::int64_t j = 0; j < s[1]; ++j) {
        gs += g[r * s[1] + j];
        gabs += std::abs(g[r * s[1] + j]);
      }
      for (std::int64_t j = 0; j < s[1]; ++j) {
        const std::int64_t i = r * s[1] + j;
        ref[i] = static_cast<double>(d0[i] + g[i] - p.p[i] * gs);
        // exp(y) carries the forward's absolute error of y as a relative error (~(n+4)u + |y|u).
        bound[i] = 4 * tol::gamma(s[1] + 8, unit(dt)) * (std::abs(d0[i]) + std::abs(g[i]) + static_cast<double>(p.p[i] * gabs) * 8);
      }
    }
    EXPECT_TRUE(values_within(to_doubles(dx), ref, bound, s)) << dtype_name(dt);
  }
}

TEST(SoftmaxXent, ForwardIsMinusLogProbabilityOfTheLabel) {
  for (DType dt : {DType::F32, DType::F64}) {
    for (const Case& c : {Case{{7, 33}, 0, 10}, Case{{4, 64}, 1000, 20}, Case{{1, 1}, 0, 1}, Case{{5, 2}, -1000, 20}}) {
      SCOPED_TRACE(shape_str(c.shape) + " center " + std::to_string(c.center) + " " + std::string(dtype_name(dt)));
      const std::int64_t rows = c.shape[0], cols = c.shape[1];
      Tensor x = random_tensor(c.shape, dt, 9, c.center - c.spread / 2, c.center + c.spread / 2);
      Tensor labels = random_ids(rows, cols, 10);
      labels.data<std::int32_t>()[0] = static_cast<std::int32_t>(cols - 1);  // last class too
      Tensor loss = Tensor::empty({rows}, dt);
      kern::softmax_xent_forward(loss, x, labels);
      const RowRef ref = softmax_ref(to_doubles(x), cols);
      std::vector<double> expected(rows);
      for (std::int64_t r = 0; r < rows; ++r) expected[r] = static_cast<double>(-ref.logp[r * cols + labels.data<std::int32_t>()[r]]);
      const double atol = tol::log_softmax_abs_tol(cols, unit(dt), std::abs(c.center) + c.spread);
      EXPECT_TRUE(values_close(to_doubles(loss), expected, atol, 0.0, {rows}));
    }
  }
}

TEST(SoftmaxXent, BackwardAccumulatesScaledSoftmaxMinusOneHot) {
  for (DType dt : {DType::F32, DType::F64}) {
    const std::int64_t rows = 7, cols = 33;
    Tensor x = random_tensor({rows, cols}, dt, 11, -3, 3);
    Tensor labels = random_ids(rows, cols, 12);
    Tensor dloss = random_tensor({rows}, dt, 13);
    Tensor dx = random_tensor({rows, cols}, dt, 14);
    const std::vector<double> d0 = to_doubles(dx), dl = to_doubles(dloss);
    kern::softmax_xent_backward(dx, x, labels, dloss);
    const RowRef p = softmax_ref(to_doubles(x), cols);
    std::vector<double> ref(d0.size());
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t j = 0; j < cols; ++j) {
        const std::int64_t i = r * cols + j;
        const LD onehot = j == labels.data<std::int32_t>()[r] ? 1 : 0;
        ref[i] = static_cast<double>(d0[i] + dl[r] * (p.p[i] - onehot));
      }
    // softmax relative error (n + 4) u, times |dloss| ≤ 1, plus the rounding of the additions.
    EXPECT_TRUE(values_close(to_doubles(dx), ref, tol::softmax_rel_tol(cols, unit(dt), 6) * 4, 0, {rows, cols}))
        << dtype_name(dt);
  }
}

TEST(SoftmaxXent, LabelsOutOfRangeThrow) {
  Tensor x = random_tensor({3, 5}, DType::F32, 1);
  Tensor loss = Tensor::empty({3}, DType::F32), dloss = Tensor::full({3}, DType::F32, 1.0);
  for (std::int32_t bad : {5, -1, 1000}) {
    Tensor labels = Tensor::from_vector<std::int32_t>({3}, {0, bad, 4});
    try {
      kern::softmax_xent_forward(loss, x, labels);
      ADD_FAILURE() << "forward accepted label " << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("label " + std::to_string(bad) + " of row 1 is outside [0, 5)"));
    }
    Tensor dx = Tensor::zeros({3, 5}, DType::F32);
    try {
      kern::softmax_xent_backward(dx, x, labels, dloss);
      ADD_FAILURE() << "backward accepted label " << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("outside [0, 5)"));
    }
  }
}

TEST(SoftmaxXent, ChecksLabelDtypeAndCount) {
  Tensor x = random_tensor({3, 5}, DType::F32, 1), loss = Tensor::empty({3}, DType::F32);
  EXPECT_THROW(kern::softmax_xent_forward(loss, x, Tensor::zeros({3}, DType::I64)), Error);
  EXPECT_THROW(kern::softmax_xent_forward(loss, x, Tensor::zeros({2}, DType::I32)), Error);
  Tensor short_loss = Tensor::empty({2}, DType::F32);
  EXPECT_THROW(kern::softmax_xent_forward(short_loss, x, Tensor::zeros({3}, DType::I32)), Error);
}

}  // namespace
}  // namespace s2s::test
