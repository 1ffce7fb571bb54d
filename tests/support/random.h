#pragma once
// Owns: deterministic random test inputs (tensors, ids, inputs kept away from kinks), drawn from
// the library's Philox stream with explicit seeds so every failure reproduces exactly.
// Only inputs come from here; expected values always come from an independent computation.
#include <cmath>
#include <cstdint>
#include <vector>

#include "s2s/core/philox.h"
#include "s2s/core/tensor.h"

namespace s2s::test {

// U(lo, hi) values of the given shape and float dtype (CPU).
inline Tensor random_tensor(const Shape& shape, DType dtype, std::uint64_t seed, double lo = -1.0,
                            double hi = 1.0) {
  PhiloxStream rng(seed, /*stream=*/0x7e57);
  Tensor t = Tensor::empty(shape, dtype);
  if (dtype == DType::F64) {
    for (double& v : t.span<double>()) v = rng.uniform(lo, hi);
  } else {
    for (float& v : t.span<float>()) v = static_cast<float>(rng.uniform(lo, hi));
  }
  return t;
}

// Like random_tensor, but every value is at least `margin` away from each point in `kinks`
// (values that land too close are pushed away from the kink, staying inside [lo, hi]
// when the kinks are interior).
inline Tensor random_away_from(const Shape& shape, DType dtype, std::uint64_t seed,
                               const std::vector<double>& kinks, double margin, double lo = -1.0,
                               double hi = 1.0) {
  PhiloxStream rng(seed, /*stream=*/0x7e58);
  Tensor t = Tensor::empty(shape, DType::F64);
  for (double& v : t.span<double>()) {
    v = rng.uniform(lo, hi);
    for (double k : kinks)
      if (std::abs(v - k) < margin) v = k + (v < k ? -2.0 : 2.0) * margin;
  }
  return t.to_dtype(dtype);
}

// n int32 ids uniform in [0, vocab).
inline Tensor random_ids(std::int64_t n, std::int64_t vocab, std::uint64_t seed) {
  PhiloxStream rng(seed, /*stream=*/0x1d5);
  Tensor t = Tensor::empty({n}, DType::I32);
  for (auto& v : t.span<std::int32_t>()) v = static_cast<std::int32_t>(rng.below(vocab));
  return t;
}

// Host copy of a float/int tensor's values as double.
inline std::vector<double> to_doubles(const Tensor& t) {
  return t.to(Device::CPU).to_dtype(DType::F64).to_vector<double>();
}

}  // namespace s2s::test
