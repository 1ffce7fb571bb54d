#pragma once
// Owns: a tiny plain-loop matrix type for the hand-written reference cells of the nn tests (an
// implementation independent of the autograd ops and kernels).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "s2s/autograd/var.h"

namespace s2s::nn::testing {

struct Mat {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> v;
  Mat() = default;
  Mat(std::int64_t r, std::int64_t c, double fill = 0.0) : rows(r), cols(c), v(static_cast<size_t>(r * c), fill) {}
  double& operator()(std::int64_t r, std::int64_t c) { return v[static_cast<size_t>(r * cols + c)]; }
  double operator()(std::int64_t r, std::int64_t c) const { return v[static_cast<size_t>(r * cols + c)]; }
};

inline Mat from_var(const ag::Var& x) {
  const Tensor& t = x.value();
  Mat m(t.ndim() == 2 ? t.dim(0) : 1, t.ndim() == 2 ? t.dim(1) : t.numel());
  m.v = t.to_vector<double>();
  return m;
}
inline Mat matmul(const Mat& a, const Mat& b) {
  Mat c(a.rows, b.cols);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t k = 0; k < a.cols; ++k)
      for (std::int64_t j = 0; j < b.cols; ++j) c(i, j) += a(i, k) * b(k, j);
  return c;
}
inline Mat hcat(const Mat& a, const Mat& b) {
  Mat c(a.rows, a.cols + b.cols);
  for (std::int64_t i = 0; i < a.rows; ++i) {
    for (std::int64_t j = 0; j < a.cols; ++j) c(i, j) = a(i, j);
    for (std::int64_t j = 0; j < b.cols; ++j) c(i, a.cols + j) = b(i, j);
  }
  return c;
}
inline Mat cols(const Mat& a, std::int64_t begin, std::int64_t width) {
  Mat c(a.rows, width);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t j = 0; j < width; ++j) c(i, j) = a(i, begin + j);
  return c;
}
inline Mat add_row(Mat a, const Mat& bias) {  // bias as 1 x C
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t j = 0; j < a.cols; ++j) a(i, j) += bias.v[static_cast<size_t>(j)];
  return a;
}
template <class F>
Mat map(Mat a, F f) {
  for (double& x : a.v) x = f(x);
  return a;
}
inline double sigm(double x) { return 1.0 / (1.0 + std::exp(-x)); }

inline void expect_near(const Mat& a, const ag::Var& b, double tol, const char* what) {
  auto bv = b.value().to_vector<double>();
  ASSERT_EQ(a.v.size(), bv.size()) << what;
  for (size_t i = 0; i < bv.size(); ++i) EXPECT_NEAR(a.v[i], bv[i], tol) << what << " element " << i;
}

}  // namespace s2s::nn::testing
