// Owns: tests of the test helpers themselves (support/gradcheck.h, support/compare.h): a checker
// that cannot fail proves nothing, so each is shown to reject a wrong gradient / wrong value
// and to say where.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "s2s/autograd/ops.h"
#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/gradcheck.h"
#include "support/random.h"

namespace s2s::test {
namespace {

using ag::Var;
using ::testing::HasSubstr;

// y = 3 x with a backward that scales by `grad_factor` (3 is right).
Var triple_with_backward(const Var& x, double grad_factor) {
  Var y(Tensor::empty(x.shape(), x.dtype()));
  kern::scale(y.mutable_value(), x.value(), 3.0);
  if (ag::active_tape() != nullptr && x.requires_grad())
    ag::active_tape()->record(y, {x}, [x, grad_factor](const Tensor& dy) mutable {
      kern::axpy(x.grad(), dy, grad_factor);
    });
  return y;
}

TEST(GradCheckSelf, AcceptsACorrectBackward) {
  EXPECT_TRUE(grad_check([](const std::vector<Var>& x) { return triple_with_backward(x[0], 3.0); },
                         {random_tensor({4, 5}, DType::F64, 1)}));
}

TEST(GradCheckSelf, RejectsASlightlyWrongBackwardAndNamesTheWorstElement) {
  auto r = grad_check([](const std::vector<Var>& x) { return triple_with_backward(x[0], 3.0 * (1 + 1e-5)); },
                      {random_tensor({4, 5}, DType::F64, 1)});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("gradient check failed for 20 of 20 elements"));
  EXPECT_THAT(r.message(), HasSubstr("worst: input 0 [4, 5] element ["));
  EXPECT_THAT(r.message(), HasSubstr("max rel err"));
}

TEST(GradCheckSelf, RejectsAMissingBackward) {
  // The second input is used through an unrecorded kernel call: its analytic gradient is zero.
  auto r = grad_check(
      [](const std::vector<Var>& x) {
        Var y(Tensor::empty(x[1].shape(), x[1].dtype()));
        kern::mul(y.mutable_value(), x[0].value(), x[1].value());
        return ag::add(y, x[0]);
      },
      {random_tensor({3}, DType::F64, 2), random_tensor({3}, DType::F64, 3)});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("input 0 [3]"));
  EXPECT_THAT(r.message(), HasSubstr("input 1 [3]"));
}

TEST(GradCheckSelf, RejectsATransposedGradient) {
  // Right values, wrong positions: dA of A @ B computed as if B were transposed.
  auto r = grad_check(
      [](const std::vector<Var>& x) {
        Var c(Tensor::empty({3, 3}, DType::F64));
        kern::gemm(c.mutable_value(), x[0].value(), x[1].value(), false, false, 1.0, 0.0);
        if (ag::active_tape() != nullptr)
          ag::active_tape()->record(c, {x[0]}, [a = x[0], b = x[1]](const Tensor& dc) mutable {
            kern::gemm(a.grad(), dc, b.value(), false, false, 1.0, 1.0);  // should be bᵀ
          });
        return c;
      },
      {random_tensor({3, 3}, DType::F64, 4), random_tensor({3, 3}, DType::F64, 5)});
  EXPECT_FALSE(r);
}

TEST(GradCheckSelf, WrtSkipsTheNumericCheckOfUnselectedInputs) {
  // Input 1's gradient is wrong (missing), input 0's is right: checking only input 0 passes.
  auto f = [](const std::vector<Var>& x) {
    Var y(Tensor::empty(x[1].shape(), x[1].dtype()));
    kern::mul(y.mutable_value(), x[0].value(), x[1].value());
    return ag::add(y, x[0]);
  };
  // d/dx0 of (x0 x1 + x0) is x1 + 1, but the unrecorded product contributes nothing: only the
  // add's 1 arrives. So use x1 = 0, where that is also the right answer.
  const std::vector<Tensor> in = {random_tensor({3}, DType::F64, 2), Tensor::zeros({3}, DType::F64)};
  GradCheckOptions only_first;
  only_first.wrt = {true, false};
  EXPECT_TRUE(grad_check(f, in, only_first));
  EXPECT_FALSE(grad_check(f, in));
}

TEST(GradCheckSelf, RejectsNonFloat64Inputs) {
  auto r = grad_check([](const std::vector<Var>& x) { return x[0]; },
                      {random_tensor({2}, DType::F32, 1)});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("float64"));
}

TEST(GradCheckSelf, MultipleOutputsEachGetTheirProbe) {
  EXPECT_TRUE(grad_check_multi(
      [](const std::vector<Var>& x) { return std::vector<Var>{ag::tanh(x[0]), ag::mul(x[0], x[0]), x[0]}; },
      {random_tensor({2, 3}, DType::F64, 6)}));
}

TEST(CompareSelf, TensorsCloseReportsMaxErrorsAndFirstMismatches) {
  Tensor a = Tensor::from_vector<double>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::from_vector<double>({2, 3}, {1, 2, 3.5, 4, 5, 7});
  EXPECT_TRUE(tensors_close(a, a.clone(), 0, 0));
  auto r = tensors_close(a, b, 1e-6, 1e-6);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("2 of 6 elements of shape [2, 3]"));
  EXPECT_THAT(r.message(), HasSubstr("max abs err 1"));
  EXPECT_THAT(r.message(), HasSubstr("worst [1, 2]"));
  EXPECT_THAT(r.message(), HasSubstr("[0, 2]: actual 3, expected 3.5"));
}

TEST(CompareSelf, NanNeverMatchesAndShapesMustAgree) {
  Tensor a = Tensor::from_vector<float>({2}, {1.0f, NAN});
  EXPECT_FALSE(tensors_close(a, a.clone(), 1, 1));
  EXPECT_FALSE(tensors_close(Tensor::zeros({2, 3}, DType::F32), Tensor::zeros({3, 2}, DType::F32), 0, 0));
  Tensor inf = Tensor::from_vector<double>({1}, {INFINITY});
  EXPECT_TRUE(tensors_close(inf, inf.clone(), 0, 0));
}

}  // namespace
}  // namespace s2s::test
