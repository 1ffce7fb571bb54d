// Tests: kern::fill (kernels/fill.h): every element takes the value rounded to the tensor's dtype
// (compared with static_cast, the rounding Tensor::full uses), any shape (scalar, empty, views
// share storage), non-float tensors rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "s2s/kernels/fill.h"

namespace s2s::test {
namespace {

TEST(Fill, EveryElementTakesTheRoundedValue) {
  for (double value : {0.0, 1.0, -2.5, 0.1, 1e300, -0.0}) {
    Tensor d = Tensor::full({3, 7}, DType::F64, 42.0);
    kern::fill(d, value);
    for (double v : d.to_vector<double>()) {
      EXPECT_EQ(v, value);
      EXPECT_EQ(std::signbit(v), std::signbit(value)) << "-0.0 keeps its sign";
    }
    Tensor f = Tensor::full({5}, DType::F32, 42.0);
    kern::fill(f, value);
    for (float v : f.to_vector<float>()) EXPECT_EQ(v, static_cast<float>(value)) << value;  // 1e300 -> inf
  }
}

TEST(Fill, ScalarEmptyAndViews) {
  Tensor s = Tensor::scalar(DType::F32, 0.0);
  kern::fill(s, 3.0);
  EXPECT_EQ(s.item(), 3.0);
  Tensor e = Tensor::empty({0, 4}, DType::F64);
  kern::fill(e, 1.0);
  Tensor m = Tensor::zeros({4, 3}, DType::F64);
  Tensor middle = m.rows(1, 3);
  kern::fill(middle, 7.0);
  EXPECT_EQ(m.to_vector<double>(), (std::vector<double>{0, 0, 0, 7, 7, 7, 7, 7, 7, 0, 0, 0})) << "only the view";
}

TEST(Fill, RejectsNonFloatAndUndefined) {
  Tensor i = Tensor::zeros({2}, DType::I32);
  EXPECT_THROW(kern::fill(i, 1.0), Error);
  Tensor u;
  EXPECT_THROW(kern::fill(u, 1.0), Error);
}

}  // namespace
}  // namespace s2s::test
