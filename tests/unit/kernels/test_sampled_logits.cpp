// Owns: tests of the sampled-softmax logit kernels (kernels/sampled_softmax.h via kern::): the
// accidental-hit mask on a hand-worked case (spec §7: −FLT_MAX exactly where S_j is a true label of
// row b, num_true 1 and 2, in place too) and the log-Q subtraction against std::log in long double
// (broadcast over rows, and elementwise).
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <vector>

#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

TEST(SampledLogits, AccidentalHitsGetMinusFltMax) {
  for (DType dt : {DType::F32, DType::F64}) {
    // B = 3 rows, S = 4 samples {5, 2, 9, 2}; labels (num_true 1) {2, 7, 9}.
    Tensor x = Tensor::from_vector<double>({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}).to_dtype(dt);
    Tensor sampled = Tensor::from_vector<std::int32_t>({4}, {5, 2, 9, 2});
    Tensor labels = Tensor::from_vector<std::int32_t>({3, 1}, {2, 7, 9});
    Tensor y = Tensor::empty({3, 4}, dt);
    kern::mask_accidental_hits(y, x, sampled, labels);
    const double m = -double(FLT_MAX);
    // Row 0 (label 2) hits columns 1 and 3; row 1 (7) none; row 2 (9) column 2. x + (−FLT_MAX)
    // rounds to −FLT_MAX for these small x (float and double alike: |x| < ulp(FLT_MAX) / 2).
    const std::vector<double> want = {0, m, 2, m, 4, 5, 6, 7, 8, 9, m, 11};
    EXPECT_TRUE(tensor_matches(y, want, 0, 0)) << dtype_name(dt);
    // num_true = 2, in place: row 0 labels {5, 9}, row 1 {0, 1}, row 2 {2, 2}.
    Tensor labels2 = Tensor::from_vector<std::int32_t>({3, 2}, {5, 9, 0, 1, 2, 2});
    kern::mask_accidental_hits(x, x, sampled, labels2);
    const std::vector<double> want2 = {m, 1, m, 3, 4, 5, 6, 7, 8, m, 10, m};
    EXPECT_TRUE(tensor_matches(x, want2, 0, 0)) << dtype_name(dt);
  }
}

TEST(SampledLogits, SubtractLogQ) {
  for (DType dt : {DType::F32, DType::F64}) {
    const double u = dt == DType::F32 ? tol::kU32 : tol::kU64;
    Tensor x = random_tensor({5, 7}, dt, 1, -3, 3), q = random_tensor({7}, dt, 2, 1e-4, 1.0);
    Tensor y = Tensor::empty({5, 7}, dt);
    kern::subtract_log_q(y, x, q);
    const auto xv = to_doubles(x), qv = to_doubles(q);
    std::vector<double> want(xv.size()), bound(xv.size());
    for (std::size_t i = 0; i < xv.size(); ++i) {
      const long double lq = std::log(static_cast<long double>(qv[i % 7]));
      want[i] = double(xv[i] - lq);
      // log: ≤ 1 ulp of |log q|, the subtraction ½ ulp of the result; an ulp of y is ≤ 2u |y|,
      // so ≤ 2u |log q| + u |y|·2; doubled.
      bound[i] = 4 * u * (double(std::abs(lq)) + std::abs(want[i])) + 1e-300;
    }
    EXPECT_TRUE(values_within(to_doubles(y), want, bound, y.shape())) << dtype_name(dt);
    // Elementwise q (the true logits' [B, num_true] counts), in place.
    Tensor q2 = random_tensor({5, 7}, dt, 3, 1e-4, 1.0);
    Tensor x2 = x.clone();
    kern::subtract_log_q(x2, x2, q2);
    const auto q2v = to_doubles(q2);
    for (std::size_t i = 0; i < xv.size(); ++i) {
      const long double lq = std::log(static_cast<long double>(q2v[i]));
      want[i] = double(xv[i] - lq);
      bound[i] = 4 * u * (double(std::abs(lq)) + std::abs(want[i])) + 1e-300;
    }
    EXPECT_TRUE(values_within(to_doubles(x2), want, bound, x2.shape())) << dtype_name(dt);
  }
}

TEST(SampledLogits, BadOperandsThrow) {
  Tensor x = Tensor::zeros({2, 3}, DType::F32), y = Tensor::empty({2, 3}, DType::F32);
  Tensor sampled = Tensor::from_vector<std::int32_t>({2}, {1, 2});  // 2 ids for 3 columns
  Tensor labels = Tensor::from_vector<std::int32_t>({2, 1}, {0, 1});
  EXPECT_THROW(kern::mask_accidental_hits(y, x, sampled, labels), Error);
  EXPECT_THROW(kern::subtract_log_q(y, x, Tensor::full({2}, DType::F32, 0.5)), Error);
}

}  // namespace
}  // namespace s2s::test
