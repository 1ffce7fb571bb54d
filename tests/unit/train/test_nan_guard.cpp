// NaN/Inf policy: stop throws naming step, bucket and the offending parameter; skip counts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "s2s/core/error.h"
#include "s2s/train/clip.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/train/nan_guard.h"

using namespace s2s;
using namespace s2s::train;
using namespace s2s::config;
using ::testing::HasSubstr;

namespace {
const double kNan = std::numeric_limits<double>::quiet_NaN();
const float kInfF = std::numeric_limits<float>::infinity();

std::vector<ParamRef> params_with_bad_grad() {
  return {{"enc/kernel", Tensor::zeros({2}, DType::F32), Tensor::from_vector<float>({2}, {1, 2})},
          {"dec/bias", Tensor::zeros({3}, DType::F32), Tensor::from_vector<float>({3}, {0, kInfF, 1})}};
}

std::vector<Tensor> grads_of(const std::vector<ParamRef>& ps) {
  std::vector<Tensor> g;
  for (const auto& p : ps) g.push_back(p.grad);
  return g;
}
}  // namespace

TEST(NanGuard, FiniteStepsPass) {
  NanGuard g(NanPolicy::Stop);
  EXPECT_TRUE(g.check(5, 1, 3.5, 2.0));
  EXPECT_EQ(g.skipped(), 0);
}

TEST(NanGuard, StopNamesStepBucketAndParameter) {
  NanGuard g(NanPolicy::Stop);
  auto ps = params_with_bad_grad();
  const double norm = global_norm(grads_of(ps));
  ASSERT_TRUE(std::isinf(norm));
  try {
    g.check(1234, 2, 4.0, norm, ps);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("non-finite gradient (global norm inf, first in 'dec/bias')"));
    EXPECT_THAT(e.what(), HasSubstr("at step 1234, bucket 2"));
    EXPECT_THAT(e.what(), HasSubstr("nan_policy"));
  }
  try {
    g.check(7, 0, kNan, 1.0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("non-finite loss (nan) at step 7, bucket 0"));
  }
}

TEST(NanGuard, SkipCounts) {
  NanGuard g(NanPolicy::Skip, /*skipped_so_far=*/3);
  auto ps = params_with_bad_grad();
  EXPECT_FALSE(g.check(10, 1, kNan, kNan, ps));
  EXPECT_THAT(g.last_reason(), HasSubstr("non-finite loss (nan) and non-finite gradient"));
  EXPECT_FALSE(g.check(11, 3, std::numeric_limits<double>::infinity(), 1.0));
  EXPECT_TRUE(g.check(12, 3, 1.0, 1.0));
  EXPECT_EQ(g.skipped(), 5);
}

TEST(NanGuard, AllFinite) {
  EXPECT_TRUE(kern::all_finite(Tensor::from_vector<double>({3}, {1, -1e300, 0})));
  EXPECT_FALSE(kern::all_finite(Tensor::from_vector<double>({2}, {1, kNan})));
  EXPECT_FALSE(kern::all_finite(Tensor::from_vector<float>({1}, {-kInfF})));
}
