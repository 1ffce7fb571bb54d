#pragma once
// Owns: the harness of the GPU tests (s2s_test_gpu): the fixture that skips without a device,
// access to the CUDA twins through the op registry (so this binary links in a build without
// CUDA, where every test then skips), guarded device arrays (out-of-bounds writes), seeded random
// inputs, and comparisons that print max abs/rel error and the first mismatches.
// Device memory goes through Tensor and the installed caching allocator; no CUDA header here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpu/tolerances.h"
#include "s2s/core/tensor.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/op_registry.h"

namespace s2s::test {

// Skips (GTEST_SKIP, "no CUDA device: <reason>") without a usable device; else initialises
// device 0 and, after the test, synchronises (a kernel error left pending fails the test).
class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
};

// The CUDA twin of registry op `name` with its real type F; throws if it has none.
template <class F>
F cuda_fn(const char* name) {
  const kern::OpEntry* op = kern::find_op(name);
  if (op == nullptr) throw std::logic_error(std::string("op '") + name + "' is not in the op registry");
  if (op->cuda == nullptr) throw std::logic_error(std::string("op '") + name + "' has no CUDA twin in this build");
  return reinterpret_cast<F>(op->cuda);
}
#define S2S_CUDA_OP(NAME) (::s2s::test::cuda_fn<decltype(&::s2s::cuda::NAME)>(#NAME))

// Ops that have a parity test: each test file lists its ops with S2S_PARITY_COVERS(...) and
// test_parity_coverage.cpp compares the set with the registry.
inline std::set<std::string>& tested_ops() {
  static std::set<std::string> ops;
  return ops;
}
struct CoversOps {
  CoversOps(std::initializer_list<const char*> names) {
    for (const char* n : names) tested_ops().insert(n);
  }
};
#define S2S_PARITY_COVERS(...) static const ::s2s::test::CoversOps s2s_parity_covers_{__VA_ARGS__}

// ---- random inputs (fixed seeds: a failure reproduces) ---------------------------------------
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  std::vector<float> uniform(std::int64_t n, float lo, float hi);
  std::vector<std::int32_t> ints(std::int64_t n, std::int32_t lo, std::int32_t hi_exclusive);

 private:
  std::mt19937_64 gen_;
};

std::vector<double> to_double(const std::vector<float>& v);
std::vector<double> abs_of(const std::vector<double>& v);

// ---- guarded device arrays -----------------------------------------------------------------------
// kGuard elements before and after the array hold kGuardBits (a NaN no kernel computes); an
// array created by poisoned() starts as kPoisonBits (a quiet NaN), so an element a kernel fails
// to write shows up as NaN.
constexpr std::int64_t kGuard = 1024;
constexpr std::uint32_t kGuardBits = 0x7FE5A5A5u;
constexpr std::uint32_t kPoisonBits = 0x7FC0DEADu;

template <class T>  // float or std::int32_t
class DeviceArray {
 public:
  explicit DeviceArray(const std::vector<T>& values);
  static DeviceArray poisoned(std::int64_t n);

  T* ptr() { return view_.template data<T>(); }
  const T* ptr() const { return view_.template data<T>(); }
  std::int64_t size() const { return n_; }
  std::vector<T> read() const;  // the array, without guards
  // Fails (naming `what`) if any guard element changed: an out-of-bounds write.
  ::testing::AssertionResult guards_intact(const char* what) const;

 private:
  std::int64_t n_ = 0;
  Tensor whole_, view_;
};

// ---- comparisons ---------------------------------------------------------------------------------
// Passes when |got - want| <= tol.abs + tol.rel |want| everywhere, with NaN where want is NaN,
// the same infinity where want is infinite, and finite values elsewhere.
::testing::AssertionResult near(const std::vector<float>& got, const std::vector<double>& want, Tol tol);
// Same with a per-element absolute bound (GEMM, sums: computed from the inputs).
::testing::AssertionResult near_bound(const std::vector<float>& got, const std::vector<double>& want,
                                      const std::vector<double>& bound);
// Bit-for-bit equality (determinism, exact ops).
::testing::AssertionResult bitwise_equal(const std::vector<float>& got, const std::vector<float>& want);
::testing::AssertionResult ints_equal(const std::vector<std::int32_t>& got, const std::vector<std::int32_t>& want);

}  // namespace s2s::test
