// Owns: the GPU test harness implementation (harness.h).
#include "gpu/harness.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace s2s::test {

void CudaTest::SetUp() {
  std::string why;
  if (cuda::device_count(&why) == 0) GTEST_SKIP() << "no CUDA device: " << why;
  cuda::initialize(0);
}

void CudaTest::TearDown() {
  if (cuda::initialized()) cuda::synchronize();
}

std::vector<float> Rng::uniform(std::int64_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = d(gen_);
  return v;
}

std::vector<std::int32_t> Rng::ints(std::int64_t n, std::int32_t lo, std::int32_t hi_exclusive) {
  std::uniform_int_distribution<std::int32_t> d(lo, hi_exclusive - 1);
  std::vector<std::int32_t> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = d(gen_);
  return v;
}

std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

std::vector<double> abs_of(const std::vector<double>& v) {
  std::vector<double> a(v.size());
  std::transform(v.begin(), v.end(), a.begin(), [](double x) { return std::fabs(x); });
  return a;
}

// ---- DeviceArray ---------------------------------------------------------------------------------
namespace {
template <class T>
T from_bits(std::uint32_t bits) {
  static_assert(sizeof(T) == 4);
  T v;
  std::memcpy(&v, &bits, 4);
  return v;
}
template <class T>
std::uint32_t to_bits(T v) {
  std::uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}
}  // namespace

template <class T>
DeviceArray<T>::DeviceArray(const std::vector<T>& values) : n_(static_cast<std::int64_t>(values.size())) {
  std::vector<T> host(static_cast<std::size_t>(n_ + 2 * kGuard), from_bits<T>(kGuardBits));
  std::copy(values.begin(), values.end(), host.begin() + kGuard);
  whole_ = Tensor::from_vector<T>({n_ + 2 * kGuard}, host).to(Device::CUDA);
  view_ = whole_.rows(kGuard, kGuard + n_);
}

template <class T>
DeviceArray<T> DeviceArray<T>::poisoned(std::int64_t n) {
  return DeviceArray(std::vector<T>(static_cast<std::size_t>(n), from_bits<T>(kPoisonBits)));
}

template <class T>
std::vector<T> DeviceArray<T>::read() const {
  const std::vector<T> all = whole_.to_vector<T>();
  return std::vector<T>(all.begin() + kGuard, all.begin() + kGuard + n_);
}

template <class T>
::testing::AssertionResult DeviceArray<T>::guards_intact(const char* what) const {
  const std::vector<T> all = whole_.to_vector<T>();
  std::int64_t bad = 0, first = -1;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(all.size()); ++i) {
    if (i >= kGuard && i < kGuard + n_) continue;
    if (to_bits(all[i]) != kGuardBits) {
      ++bad;
      if (first < 0) first = i;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": " << bad << " guard element(s) overwritten (out-of-bounds write); first at offset "
                                       << (first < kGuard ? first - kGuard : first - kGuard - n_)
                                       << (first < kGuard ? " before the start" : " after the end") << " of "
                                       << n_ << " elements";
}

template class DeviceArray<float>;
template class DeviceArray<std::int32_t>;

// ---- comparisons ---------------------------------------------------------------------------------
namespace {
template <class Bound>
::testing::AssertionResult compare(const std::vector<float>& got, const std::vector<double>& want, Bound bound) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " vs reference " << want.size();
  std::int64_t bad = 0;
  double max_abs = 0, max_rel = 0;
  std::ostringstream first;
  first.precision(9);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i], allowed = bound(i);
    bool ok;
    if (std::isnan(w)) ok = std::isnan(g);
    else if (std::isinf(w)) ok = g == w;
    else {
      ok = std::isfinite(g) && std::fabs(g - w) <= allowed;
      if (std::isfinite(g)) {
        max_abs = std::max(max_abs, std::fabs(g - w));
        if (w != 0) max_rel = std::max(max_rel, std::fabs(g - w) / std::fabs(w));
      }
    }
    if (!ok && bad++ < 5)
      first << "\n  [" << i << "] cuda " << g << " vs reference " << w << " (|diff| " << std::fabs(g - w)
            << ", allowed " << allowed << ")";
  }
  if (bad == 0) return ::testing::AssertionSuccess() << "max abs " << max_abs << ", max rel " << max_rel;
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " elements mismatch; max abs error "
                                       << max_abs << ", max rel error " << max_rel << "; first:" << first.str();
}
}  // namespace

::testing::AssertionResult near(const std::vector<float>& got, const std::vector<double>& want, Tol tol) {
  return compare(got, want, [&](std::size_t i) { return tol.abs + tol.rel * std::fabs(want[i]); });
}

::testing::AssertionResult near_bound(const std::vector<float>& got, const std::vector<double>& want,
                                      const std::vector<double>& bound) {
  if (bound.size() != want.size()) return ::testing::AssertionFailure() << "bound size mismatch";
  return compare(got, want, [&](std::size_t i) { return bound[i]; });
}

::testing::AssertionResult bitwise_equal(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " vs " << want.size();
  std::int64_t bad = 0;
  std::ostringstream first;
  first.precision(9);
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (to_bits(got[i]) != to_bits(want[i]) && bad++ < 5)
      first << "\n  [" << i << "] " << got[i] << " vs " << want[i];
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " elements differ bitwise; first:" << first.str();
}

::testing::AssertionResult ints_equal(const std::vector<std::int32_t>& got, const std::vector<std::int32_t>& want) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " vs " << want.size();
  std::int64_t bad = 0;
  std::ostringstream first;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i] && bad++ < 5) first << "\n  [" << i << "] " << got[i] << " vs " << want[i];
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " elements differ; first:" << first.str();
}

}  // namespace s2s::test
