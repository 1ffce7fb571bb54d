// Tests: the dropout mask kernel (kernels/dropout.h via kern::dropout_mask) against
//   - a hand-computed mask from the Random123 known-answer block (seed 0, stream 0),
//   - an independent copy of the host loop DropoutWrapper used before the kernel existed (kept
//     here verbatim so that a change to the kernel that alters any checkpointed mask fails), bit
//     for bit, for several shapes, keep probabilities, dtypes and variational masks,
//   - the base + offset split of the counter (any split of the same counter gives the same mask,
//     wrap-around modulo 2^64 included), and the argument checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "s2s/core/philox.h"
#include "s2s/kernels/dropout.h"

namespace s2s::test {
namespace {

// The pre-kernel host code of DropoutWrapper::drop (src/nn/dropout_wrapper.cpp before the kernel),
// with the counter as one host value: the meaning of every checkpointed (seed, counter).
template <class T>
std::vector<T> old_host_mask(std::uint64_t seed, std::uint64_t counter, std::uint64_t which, double keep,
                             std::int64_t rows, std::int64_t cols, bool variational) {
  const std::uint64_t stream = counter * 4096 + which;
  std::vector<T> m(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const std::uint64_t idx = variational ? c : r * cols + c;
      const double u = philox_uniform_float(philox_u32_at(seed, stream, idx));
      m[r * cols + c] = static_cast<T>(std::floor(keep + u) / keep);
    }
  return m;
}

Tensor counter_tensor(std::int64_t value) { return Tensor::from_vector<std::int64_t>({1}, {value}); }

template <class T>
std::vector<T> kernel_mask(std::uint64_t seed, std::int64_t base, std::uint64_t offset, std::uint64_t which,
                           double keep, std::int64_t rows, std::int64_t cols, bool variational) {
  Tensor mask = Tensor::full({rows, cols}, dtype_of_v<T>, 12345.0);  // a value the kernel never writes
  kern::dropout_mask(mask, counter_tensor(base), offset, seed, which, keep, variational);
  return mask.to_vector<T>();
}

// Bitwise comparison (memcmp, so NaN masks of keep = 0 compare too), naming the first mismatch.
template <class T>
::testing::AssertionResult same_bits(const std::vector<T>& got, const std::vector<T>& want) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << got.size() << " vs " << want.size() << " elements";
  for (std::size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(T)) != 0)
      return ::testing::AssertionFailure() << "element " << i << ": got " << got[i] << ", want " << want[i];
  return ::testing::AssertionSuccess();
}

TEST(DropoutMask, KnownAnswerBlock) {
  // Philox4x32-10 of counter 0, key 0 (Random123 kat_vectors): 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
  // u = (word >> 8) / 2^24 = 0.3990, 0.8805, 0.7357, 0.6055; keep 0.5 keeps u >= 0.5; keep 0.7
  // keeps u >= 0.3 (all four, value 1/0.7); keep 0.1 keeps only u >= 0.9 (none).
  EXPECT_EQ(kernel_mask<double>(0, 0, 0, 0, 0.5, 1, 4, false), (std::vector<double>{0.0, 2.0, 2.0, 2.0}));
  EXPECT_EQ(kernel_mask<float>(0, 0, 0, 0, 0.5, 2, 2, false), (std::vector<float>{0.0f, 2.0f, 2.0f, 2.0f}));
  EXPECT_EQ(kernel_mask<double>(0, 0, 0, 0, 0.7, 1, 4, false), std::vector<double>(4, 1.0 / 0.7));
  EXPECT_EQ(kernel_mask<double>(0, 0, 0, 0, 0.1, 1, 4, false), std::vector<double>(4, 0.0));
  // Variational: row r repeats row 0.
  EXPECT_EQ(kernel_mask<double>(0, 0, 0, 0, 0.5, 3, 2, true), (std::vector<double>{0.0, 2.0, 0.0, 2.0, 0.0, 2.0}));
}

TEST(DropoutMask, MatchesTheOldHostMaskBitForBit) {
  struct Case {
    std::int64_t rows, cols;
  };
  const Case shapes[] = {{1, 1}, {1, 7}, {3, 5}, {64, 33}, {17, 256}, {200, 50}};
  std::uint64_t seed = 1;
  for (const Case& s : shapes)
    for (double keep : {0.0, 0.1, 0.5, 0.7, 0.9, 1.0 / 3.0, 1.0})
      for (bool variational : {false, true})
        for (std::uint64_t which : {0u, 1u, 2u, 4095u}) {
          const std::uint64_t counter = seed * 7919 + which;
          ++seed;
          SCOPED_TRACE(::testing::Message() << s.rows << "x" << s.cols << " keep " << keep << " variational "
                                            << variational << " which " << which << " seed " << seed);
          EXPECT_TRUE(same_bits(kernel_mask<float>(seed, std::int64_t(counter), 0, which, keep, s.rows, s.cols, variational),
                                old_host_mask<float>(seed, counter, which, keep, s.rows, s.cols, variational)));
          EXPECT_TRUE(same_bits(kernel_mask<double>(seed, std::int64_t(counter), 0, which, keep, s.rows, s.cols, variational),
                                old_host_mask<double>(seed, counter, which, keep, s.rows, s.cols, variational)));
        }
}

TEST(DropoutMask, KeepRateAndValues) {
  const double keep = 0.7;
  const auto m = kernel_mask<double>(3, 5, 0, 1, keep, 200, 50, false);
  int kept = 0;
  for (double v : m) {
    if (v != 0.0) {
      ++kept;
      EXPECT_EQ(v, 1.0 / keep);
    }
  }
  EXPECT_NEAR(kept / double(m.size()), keep, 0.02);  // 10 000 Bernoulli(0.7) draws: sd ≈ 0.0046
}

TEST(DropoutMask, BaseAndOffsetCombineIntoOneCounter) {
  const std::uint64_t counter = 1000;
  const auto want = old_host_mask<float>(9, counter, 3, 0.5, 8, 16, false);
  for (std::uint64_t offset : {0u, 1u, 17u, 1000u})
    EXPECT_TRUE(same_bits(kernel_mask<float>(9, std::int64_t(counter - offset), offset, 3, 0.5, 8, 16, false), want))
        << "offset " << offset;
  // Modulo 2^64, as the host's uint64 counter: a base larger than the counter with an offset that
  // wraps, and a base stored as a negative int64.
  const std::uint64_t big_base = ~std::uint64_t{0} - 5;  // counter = big_base + offset (mod 2^64)
  EXPECT_TRUE(same_bits(kernel_mask<float>(9, static_cast<std::int64_t>(big_base), counter + 6, 3, 0.5, 8, 16, false), want));
  const std::uint64_t huge = (std::uint64_t{1} << 63) + 12345;
  EXPECT_TRUE(same_bits(kernel_mask<float>(9, static_cast<std::int64_t>(huge - 2), 2, 3, 0.5, 8, 16, true),
                        old_host_mask<float>(9, huge, 3, 0.5, 8, 16, true)));
  // Different counters and tensors give different masks.
  EXPECT_FALSE(same_bits(kernel_mask<float>(9, std::int64_t(counter), 1, 3, 0.5, 8, 16, false), want));
  EXPECT_FALSE(same_bits(kernel_mask<float>(9, std::int64_t(counter), 0, 4, 0.5, 8, 16, false), want));
}

TEST(DropoutMask, EmptyAndBadArguments) {
  Tensor empty = Tensor::empty({0, 5}, DType::F32);
  kern::dropout_mask(empty, counter_tensor(0), 0, 1, 0, 0.5, false);
  Tensor m = Tensor::empty({2, 3}, DType::F32);
  EXPECT_THROW(kern::dropout_mask(m, counter_tensor(0), 0, 1, 0, 1.5, false), Error);
  EXPECT_THROW(kern::dropout_mask(m, counter_tensor(0), 0, 1, 0, -0.1, false), Error);
  EXPECT_THROW(kern::dropout_mask(m, counter_tensor(0), 0, 1, kDropoutTensorsPerCall, 0.5, false), Error);
  EXPECT_THROW(kern::dropout_mask(m, Tensor::from_vector<std::int32_t>({1}, {0}), 0, 1, 0, 0.5, false), Error);
  EXPECT_THROW(kern::dropout_mask(m, Tensor::from_vector<std::int64_t>({2}, {0, 0}), 0, 1, 0, 0.5, false), Error);
  EXPECT_THROW(kern::dropout_mask(m, Tensor(), 0, 1, 0, 0.5, false), Error);
  Tensor flat = Tensor::empty({6}, DType::F32);
  EXPECT_THROW(kern::dropout_mask(flat, counter_tensor(0), 0, 1, 0, 0.5, false), Error);
  Tensor ints = Tensor::empty({2, 3}, DType::I32);
  EXPECT_THROW(kern::dropout_mask(ints, counter_tensor(0), 0, 1, 0, 0.5, false), Error);
}

}  // namespace
}  // namespace s2s::test
