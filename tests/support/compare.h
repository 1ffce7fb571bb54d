#pragma once
// Owns: tensor/array comparison for tests, as gtest AssertionResults whose failure message gives
// the shape, max abs and rel error, the worst element and the first mismatches (multi-index,
// actual, expected, error, allowed) — never a bare `false`.
//   EXPECT_TRUE(s2s::test::tensors_close(actual, expected, atol, rtol));
//   EXPECT_TRUE(s2s::test::values_within(actual, expected, bound, shape));  // per-element bounds
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "s2s/core/tensor.h"
#include "support/random.h"

namespace s2s::test {

// "[i, j, k]" of flat index `flat` in a row-major `shape`.
inline std::string index_str(const Shape& shape, std::int64_t flat) {
  if (shape.empty()) return "[]";
  std::vector<std::int64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    const std::int64_t n = std::max<std::int64_t>(shape[d], 1);
    idx[d] = flat % n;
    flat /= n;
  }
  std::string s = "[";
  for (std::size_t d = 0; d < idx.size(); ++d) s += (d ? ", " : "") + std::to_string(idx[d]);
  return s + "]";
}

// Passes when |actual_i − expected_i| ≤ bound_i for every i (NaN never passes; two equal
// infinities do). `bound` has one entry per element, or a single entry used for all.
inline ::testing::AssertionResult values_within(const std::vector<double>& actual,
                                                const std::vector<double>& expected,
                                                const std::vector<double>& bound,
                                                const Shape& shape, int max_reported = 8) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << "size mismatch: actual has " << actual.size()
                                         << " elements, expected " << expected.size();
  double max_abs = 0, max_rel = 0, worst_excess = -1;
  std::int64_t worst = -1, failures = 0;
  std::ostringstream first;
  first.precision(17);
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i], b = bound.size() == 1 ? bound[0] : bound[i];
    const bool same_inf = std::isinf(a) && a == e;
    const double err = same_inf ? 0.0 : std::abs(a - e);
    const double rel = err / std::max(std::abs(e), std::numeric_limits<double>::min());
    const bool ok = same_inf || err <= b;  // false for NaN
    if (!std::isnan(err)) {
      max_abs = std::max(max_abs, err);
      max_rel = std::max(max_rel, rel);
    }
    if (!ok) {
      const double excess = std::isnan(err) ? INFINITY : err - b;
      if (excess > worst_excess) { worst_excess = excess; worst = static_cast<std::int64_t>(i); }
      if (failures < max_reported)
        first << "\n    " << index_str(shape, static_cast<std::int64_t>(i)) << ": actual " << a
              << ", expected " << e << ", |err| " << err << " > allowed " << b;
      ++failures;
    }
  }
  if (failures == 0) return ::testing::AssertionSuccess();
  auto r = ::testing::AssertionFailure();
  r << failures << " of " << actual.size() << " elements of shape " << shape_str(shape)
    << " out of tolerance; max abs err " << max_abs << ", max rel err " << max_rel
    << "; worst " << index_str(shape, worst) << " (actual " << actual[worst] << ", expected "
    << expected[worst] << ")\n  first mismatches:" << first.str();
  return r;
}

// |a − e| ≤ atol + rtol |e| element-wise.
inline ::testing::AssertionResult values_close(const std::vector<double>& actual,
                                               const std::vector<double>& expected, double atol,
                                               double rtol, const Shape& shape) {
  std::vector<double> bound(expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) bound[i] = atol + rtol * std::abs(expected[i]);
  return values_within(actual, expected, bound.empty() ? std::vector<double>{atol} : bound, shape);
}

// Tensors of the same shape (any float/int dtypes, any device) with |a − e| ≤ atol + rtol |e|.
inline ::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected,
                                                double atol, double rtol) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape mismatch: actual " << shape_str(actual.shape())
                                         << ", expected " << shape_str(expected.shape());
  return values_close(to_doubles(actual), to_doubles(expected), atol, rtol, actual.shape());
}

// A tensor against values computed elsewhere (a reference loop), same tolerance rule.
inline ::testing::AssertionResult tensor_matches(const Tensor& actual,
                                                 const std::vector<double>& expected, double atol,
                                                 double rtol) {
  return values_close(to_doubles(actual), expected, atol, rtol, actual.shape());
}

}  // namespace s2s::test
