// Owns: tests of the CPU GEMMs (kernels/gemm.h) and their Tensor-level entry kern::gemm against
// a naive long-double triple loop, for float and double, every transpose combination, alpha/beta,
// batched products, k == 0 and degenerate m/n, with the per-element error bound of
// tol::gemm_bound (a K-term dot product).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "s2s/kernels/gemm.h"
#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

struct GemmCase {
  bool ta, tb;
  std::int64_t batch, m, n, k;
  double alpha, beta;
};

std::string describe(const GemmCase& c) {
  return std::string(c.ta ? "T" : "N") + (c.tb ? "T" : "N") + " batch " + std::to_string(c.batch) +
         " m " + std::to_string(c.m) + " n " + std::to_string(c.n) + " k " + std::to_string(c.k) +
         " alpha " + std::to_string(c.alpha) + " beta " + std::to_string(c.beta);
}

// Reference C = alpha op(A) op(B) + beta C0 in long double, with the per-element error bound.
void reference(const GemmCase& c, const std::vector<double>& a, const std::vector<double>& b,
               const std::vector<double>& c0, double u, std::vector<double>& ref,
               std::vector<double>& bound) {
  ref.assign(c.batch * c.m * c.n, 0.0);
  bound.assign(ref.size(), 0.0);
  for (std::int64_t p = 0; p < c.batch; ++p) {
    const double* ap = a.data() + p * c.m * c.k;
    const double* bp = b.data() + p * c.k * c.n;
    for (std::int64_t i = 0; i < c.m; ++i) {
      for (std::int64_t j = 0; j < c.n; ++j) {
        long double dot = 0, abs_dot = 0;
        for (std::int64_t l = 0; l < c.k; ++l) {
          const double av = c.ta ? ap[l * c.m + i] : ap[i * c.k + l];
          const double bv = c.tb ? bp[j * c.k + l] : bp[l * c.n + j];
          dot += static_cast<long double>(av) * bv;
          abs_dot += std::abs(static_cast<long double>(av) * bv);
        }
        const std::int64_t o = (p * c.m + i) * c.n + j;
        const long double beta_c0 = c.beta == 0 ? 0.0L : static_cast<long double>(c.beta) * c0[o];
        ref[o] = static_cast<double>(c.alpha * dot + beta_c0);
        bound[o] = tol::gemm_bound(c.k, u, static_cast<double>(std::abs(c.alpha) * abs_dot),
                                   static_cast<double>(std::abs(beta_c0)));
      }
    }
  }
}

// Runs kern::gemm on tensors of dtype `dt` and compares with the reference.
void check_gemm(const GemmCase& c, DType dt, std::uint64_t seed) {
  SCOPED_TRACE(describe(c) + " " + std::string(dtype_name(dt)));
  const bool batched = c.batch > 1 || c.batch == 0;
  auto shape = [&](std::int64_t r, std::int64_t cols) {
    return batched ? Shape{c.batch, r, cols} : Shape{r, cols};
  };
  Tensor a = random_tensor(c.ta ? shape(c.k, c.m) : shape(c.m, c.k), dt, seed);
  Tensor b = random_tensor(c.tb ? shape(c.n, c.k) : shape(c.k, c.n), dt, seed + 1);
  Tensor out = random_tensor(shape(c.m, c.n), dt, seed + 2);
  const std::vector<double> c0 = to_doubles(out);
  kern::gemm(out, a, b, c.ta, c.tb, c.alpha, c.beta);
  std::vector<double> ref, bound;
  reference(c, to_doubles(a), to_doubles(b), c0, dt == DType::F32 ? tol::kU32 : tol::kU64, ref, bound);
  EXPECT_TRUE(values_within(to_doubles(out), ref, bound, out.shape()));
}

TEST(Gemm, AllTransposesAndSizesFloatAndDouble) {
  const std::int64_t sizes[] = {1, 7, 33, 64};
  std::uint64_t seed = 1;
  for (DType dt : {DType::F32, DType::F64})
    for (int t = 0; t < 4; ++t)
      for (auto m : sizes)
        for (auto n : sizes)
          for (auto k : sizes) check_gemm({bool(t & 2), bool(t & 1), 1, m, n, k, 1.0, 0.0}, dt, seed += 3);
}

TEST(Gemm, AlphaAndBeta) {
  std::uint64_t seed = 1000;
  for (DType dt : {DType::F32, DType::F64})
    for (int t = 0; t < 4; ++t)
      for (double alpha : {1.0, 0.5, -2.0, 0.0})
        for (double beta : {0.0, 1.0, -0.75})
          check_gemm({bool(t & 2), bool(t & 1), 1, 7, 33, 5, alpha, beta}, dt, seed += 3);
}

TEST(Gemm, BatchedThreeDimensional) {
  std::uint64_t seed = 2000;
  for (DType dt : {DType::F32, DType::F64})
    for (int t = 0; t < 4; ++t)
      for (auto [m, n, k] : {std::tuple{7, 33, 1}, std::tuple{1, 7, 33}, std::tuple{33, 1, 7}, std::tuple{64, 7, 33}})
        for (double beta : {0.0, 1.0}) check_gemm({bool(t & 2), bool(t & 1), 3, m, n, k, 1.5, beta}, dt, seed += 3);
}

TEST(Gemm, BatchedRawKernelMatchesPerMatrixProducts) {
  // gemm_batched on raw pointers: batch i uses the i-th contiguous matrix of each operand.
  const std::int64_t batch = 4, m = 3, n = 5, k = 2;
  Tensor a = random_tensor({batch, k, m}, DType::F64, 1), b = random_tensor({batch, k, n}, DType::F64, 2);
  Tensor c = Tensor::zeros({batch, m, n}, DType::F64);
  cpu::gemm_batched<double>(c.data<double>(), a.data<double>(), b.data<double>(), true, false, batch, m, n, k, 1.0, 0.0);
  for (std::int64_t p = 0; p < batch; ++p) {
    Tensor cp = Tensor::zeros({m, n}, DType::F64);
    cpu::gemm<double>(cp.data<double>(), a[p].data<double>(), b[p].data<double>(), true, false, m, n, k, 1.0, 0.0);
    EXPECT_TRUE(tensors_close(c[p], cp, tol::kExact, 0)) << "batch " << p;
  }
}

TEST(Gemm, InnerDimensionZeroScalesCByBeta) {
  for (DType dt : {DType::F32, DType::F64}) {
    check_gemm({false, false, 1, 7, 5, 0, 1.0, 2.0}, dt, 1);
    check_gemm({true, true, 3, 7, 5, 0, 1.0, -1.0}, dt, 2);
    // beta == 0 overwrites, even NaN (BLAS semantics: C is not read).
    Tensor a = Tensor::empty({7, 0}, dt), b = Tensor::empty({0, 5}, dt);
    Tensor out = Tensor::full({7, 5}, dt, NAN);
    kern::gemm(out, a, b, false, false, 1.0, 0.0);
    EXPECT_TRUE(tensors_close(out, Tensor::zeros({7, 5}, dt), 0, 0));
  }
}

TEST(Gemm, BetaZeroIgnoresNanInC) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor a = random_tensor({7, 33}, dt, 3), b = random_tensor({33, 5}, dt, 4);
    Tensor out = Tensor::full({7, 5}, dt, NAN);
    kern::gemm(out, a, b, false, false, 1.0, 0.0);
    for (double v : to_doubles(out)) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(Gemm, EmptyOutputIsANoOp) {
  Tensor a = random_tensor({0, 4}, DType::F32, 1), b = random_tensor({4, 3}, DType::F32, 2);
  Tensor out = Tensor::empty({0, 3}, DType::F32);
  EXPECT_NO_THROW(kern::gemm(out, a, b, false, false, 1.0, 0.0));
  Tensor a2 = random_tensor({2, 4}, DType::F32, 1), b2 = random_tensor({4, 0}, DType::F32, 2);
  Tensor out2 = Tensor::empty({2, 0}, DType::F32);
  EXPECT_NO_THROW(kern::gemm(out2, a2, b2, false, false, 1.0, 0.0));
}

TEST(Gemm, ShapeErrorsNameTheOperands) {
  using ::testing::HasSubstr;
  Tensor a = Tensor::zeros({2, 3}, DType::F32), b = Tensor::zeros({4, 5}, DType::F32);
  Tensor c = Tensor::zeros({2, 5}, DType::F32);
  try {
    kern::gemm(c, a, b, false, false, 1, 0);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gemm: inner dimensions differ: op(A) [2, 3] @ op(B) [4, 5]"));
  }
  Tensor b2 = Tensor::zeros({3, 5}, DType::F32), wrong = Tensor::zeros({5, 2}, DType::F32);
  try {
    kern::gemm(wrong, a, b2, false, false, 1, 0);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gemm: output has shape [5, 2], expected [2, 5]"));
  }
  Tensor a3 = Tensor::zeros({1, 2, 3}, DType::F32);
  try {
    kern::gemm(c, a3, b2, false, false, 1, 0);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gemm: operands must all be 2-D or all 3-D"));
  }
  // Batched: batch sizes must agree.
  Tensor ba = Tensor::zeros({2, 2, 3}, DType::F32), bb = Tensor::zeros({3, 3, 5}, DType::F32);
  Tensor bc = Tensor::zeros({2, 2, 5}, DType::F32);
  EXPECT_THROW(kern::gemm(bc, ba, bb, false, false, 1, 0), Error);
}

}  // namespace
}  // namespace s2s::test
