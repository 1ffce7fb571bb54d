// Owns: the sequential PhiloxStream helpers on top of the header-only block function.
#include "s2s/core/philox.h"

#include <cmath>
#include <numbers>

namespace s2s {

std::uint32_t PhiloxStream::next_u32() {
  std::uint64_t block = state_.position >> 2;
  if (!block_valid_ || block != cached_block_) {
    std::uint32_t ctr[4] = {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                            static_cast<std::uint32_t>(state_.stream),
                            static_cast<std::uint32_t>(state_.stream >> 32)};
    std::uint32_t key[2] = {static_cast<std::uint32_t>(state_.seed),
                            static_cast<std::uint32_t>(state_.seed >> 32)};
    philox4x32_10(ctr, key, cache_);
    cached_block_ = block;
    block_valid_ = true;
  }
  return cache_[state_.position++ & 3];
}

std::uint64_t PhiloxStream::next_u64() {
  std::uint64_t hi = next_u32();
  return hi << 32 | next_u32();
}

double PhiloxStream::uniform() {
  std::uint32_t hi = next_u32();
  std::uint32_t lo = next_u32();
  return philox_uniform_double(hi, lo);
}

float PhiloxStream::uniform_float() { return philox_uniform_float(next_u32()); }

std::uint64_t PhiloxStream::below(std::uint64_t n) {
  if (n <= 1) return 0;
  // Rejection sampling: discard the top partial range so every value is equally likely.
  std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
  std::uint64_t v;
  do v = next_u64(); while (v >= limit);
  return v % n;
}

double PhiloxStream::normal() {
  double u1 = uniform(), u2 = uniform();
  return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::uint64_t stable_hash(const char* data, std::size_t size) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis (0xcbf29ce484222325)
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace s2s
