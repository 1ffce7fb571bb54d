#pragma once
// Owns: the Philox4x32-10 counter-based RNG (Salmon et al., SC'11; Random123), the one source of
// randomness in s2s. The block function is header-only and __host__ __device__, so the CPU and the
// CUDA backends produce the same stream from the same (key, counter): element i of a stream is a
// pure function of (seed, stream, i), which is what makes dropout masks and initialisers
// reproducible on any device and any number of ranks.
#include <array>
#include <cstdint>

#if defined(__CUDACC__)
#define S2S_HOST_DEVICE __host__ __device__
#else
#define S2S_HOST_DEVICE
#endif

namespace s2s {

using PhiloxCounter = std::array<std::uint32_t, 4>;
using PhiloxKey = std::array<std::uint32_t, 2>;

S2S_HOST_DEVICE inline void philox_mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi,
                                           std::uint32_t& lo) {
  std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

// The Philox4x32 bijection with 10 rounds.
S2S_HOST_DEVICE inline void philox4x32_10(const std::uint32_t in[4], const std::uint32_t key_in[2],
                                          std::uint32_t out[4]) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  std::uint32_t c0 = in[0], c1 = in[1], c2 = in[2], c3 = in[3];
  std::uint32_t k0 = key_in[0], k1 = key_in[1];
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { k0 += kW0; k1 += kW1; }
    std::uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(kM0, c0, hi0, lo0);
    philox_mulhilo(kM1, c2, hi1, lo1);
    std::uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

inline PhiloxCounter philox4x32_10(const PhiloxCounter& ctr, const PhiloxKey& key) {
  PhiloxCounter out;
  philox4x32_10(ctr.data(), key.data(), out.data());
  return out;
}

// Element i (a uint32) of the stream (seed, stream): block i/4 of counter (i/4, stream), word i%4.
S2S_HOST_DEVICE inline std::uint32_t philox_u32_at(std::uint64_t seed, std::uint64_t stream,
                                                   std::uint64_t i) {
  std::uint64_t block = i >> 2;
  std::uint32_t ctr[4] = {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                          static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)};
  std::uint32_t key[2] = {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
  std::uint32_t out[4];
  philox4x32_10(ctr, key, out);
  return out[i & 3];
}

// Uniform float in [0, 1) from 24 random bits: identical on host and device.
S2S_HOST_DEVICE inline float philox_uniform_float(std::uint32_t bits) {
  return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
}
// Uniform double in [0, 1) from 53 random bits of two words.
S2S_HOST_DEVICE inline double philox_uniform_double(std::uint32_t hi, std::uint32_t lo) {
  std::uint64_t v = (static_cast<std::uint64_t>(hi) << 32 | lo) >> 11;
  return static_cast<double>(v) * (1.0 / 9007199254740992.0);
}

// A sequential view of one stream, for host code that draws values one after another (samplers,
// initialisers, bucket choice). Its whole state is (seed, stream, position), so it checkpoints
// exactly.
class PhiloxStream {
 public:
  struct State {
    std::uint64_t seed = 0;
    std::uint64_t stream = 0;
    std::uint64_t position = 0;  // index of the next uint32
  };
  PhiloxStream() = default;
  PhiloxStream(std::uint64_t seed, std::uint64_t stream) : state_{seed, stream, 0} {}
  explicit PhiloxStream(const State& s) : state_(s) {}

  std::uint32_t next_u32();
  std::uint64_t next_u64();
  double uniform();           // [0, 1), 53 bits
  float uniform_float();      // [0, 1), 24 bits
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  std::uint64_t below(std::uint64_t n);  // uniform integer in [0, n), unbiased
  double normal();            // standard normal (Box-Muller on two uniforms)

  const State& state() const { return state_; }
  void set_state(const State& s) { state_ = s; block_valid_ = false; }

 private:
  State state_;
  std::uint64_t cached_block_ = ~std::uint64_t{0};
  std::uint32_t cache_[4] = {0, 0, 0, 0};
  bool block_valid_ = false;
};

// A stable 64-bit hash (FNV-1a) of a name: gives each parameter its own initialiser stream, so
// initial values do not depend on creation order.
std::uint64_t stable_hash(const char* data, std::size_t size);

}  // namespace s2s
