#pragma once
// Owns: float32 exp, tanh and sigmoid for the CPU kernels (vmath::exp/tanh/sigmoid), written so
// GCC vectorises the loops that call them at the baseline ISA (x86-64 SSE2, aarch64 NEON): inline,
// branch-free (selects, no early returns), no table lookups, no libm calls. The float64 overloads
// are std::exp/std::tanh (float64 results are compared with fixtures at 1e-9).
// Private to src/kernels/cpu/; tested by tests/unit/kernels/test_fast_math.cpp.
//
// Why: glibc's scalar tanhf (via expm1f) and expf were 15-32% of a CPU training step (the attention
// score computes tanh over [B, L, A] forward and again backward), and a libm call stops a loop
// from vectorising. Measured before/after: bench/RESULTS.md, "CPU float32 transcendentals".
//
// Invariants (all tested):
//  * Same input, same output bits, whatever the element's position: each function is one
//    expression per element, so a loop's vector body and its scalar tail compute the same formula
//    (no reassociation: the project builds without -ffast-math; where a compiler contracts
//    a*b + c into an FMA, as GCC does on aarch64, it contracts the body and the tail alike).
//  * NaN in -> NaN out; tanh(±inf) = ±1, sigmoid(-inf) = 0, sigmoid(+inf) = 1, exp(-inf) = 0,
//    exp(+inf) = +inf; tanh(±0) = ±0 and tanh(x) = x for subnormal x.
//  * Accuracy over every float (measured by the test's sweep; ulp of the float64 reference):
//    exp ≤ 1 ulp, tanh ≤ 1.1 ulp, sigmoid ≤ 2.5 ulp (relative error ≤ 1.4u, 1.7u, 3u, u = 2^-24).
//
// Derivation of the coefficients (mpmath, 40 digits; the constants below are them rounded to float):
//  * exp: x = n ln2 + r, n = round(x / ln2), |r| ≤ ln2/2 (Cody-Waite: ln2 = kLn2Hi + kLn2Lo, kLn2Hi
//    with 15 significant bits so n kLn2Hi is exact for |n| ≤ 256). exp(r) ≈ 1 + r + r² C(r), C of
//    degree 4, Remez minimax of the relative error on [-0.35, 0.35]: 3.3e-9 (0.06u). 2^n is built
//    from the exponent bits as 2^(n/2)·2^(n - n/2), so both factors stay normal for n in
//    [-150, 128] and the result underflows (to subnormals, then 0) or overflows (to inf) by
//    rounding, not by a branch. n is rounded with the 1.5·2^23 shifter (no SSE4.1 roundps needed).
//  * tanh, |x| < 0.75: tanh(a) = a + a s U(s)/Q(s), s = a², U and Q of degree 1 and 2: a rational
//    Remez minimax of the relative error of tanh on (0, 0.75] with P(0) = Q(0) = 1 (so tanh(x) = x
//    exactly as x -> 0), 1.1e-11, rewritten as a + correction (U = (P - Q)/s) so the correction's
//    rounding errors are damped by a²/3.
//  * tanh, |x| ≥ 0.75: 1 - 2/(e^{2a} + 1); a relative error of e^{2a} is damped by
//    2e^{2a}/(e^{2a} + 1)² ≤ 0.3, and e^{2a} saturates at e^18.5 (exp_nonneg_sat), where the
//    result rounds to 1. Both branches are computed and selected before the one division. The 0.75 split minimised the measured maximum error (0.625: 1.33 ulp, 1.0: 1.39).
//    A single rational over [-9, 9] (degree 11/8 or 13/6, as Eigen's ptanh) measured 5-6 ulp near
//    |x| = 7: its Horner sums of large powers of x² lose ~2u a step.
//  * sigmoid: e = exp(-|x|) ∈ (0, 1], sigmoid = (x ≥ 0 ? 1 : e) / (1 + e): never overflows and keeps
//    full relative precision in the negative tail (sigmoid(-100) is a subnormal, not 0).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace s2s::cpu::vmath {

// c ? a : b as bit operations. Why not ?: or std::min/std::max: GCC lowers those to branches
// before vectorising, and at -O3 its PRE pass then specialises the code after a clamp for the
// constant bound (e.g. folds er * 2^64 * 2^64 for x clamped to 88.8), which leaves
// floating-point operations under a branch that if-conversion may not speculate
// (-ftrapping-math): the loop stays scalar. A mask is straight-line code; it compiles to the
// same and/andnot/or a vectorised select uses.
[[gnu::always_inline]] inline float select(bool c, float a, float b) {
  const std::uint32_t m = 0u - static_cast<std::uint32_t>(c);
  return std::bit_cast<float>((std::bit_cast<std::uint32_t>(a) & m) | (std::bit_cast<std::uint32_t>(b) & ~m));
}
// Clamp that propagates NaN (every comparison with NaN is false, so x passes through).
[[gnu::always_inline]] inline float clamp_nan(float x, float lo, float hi) {
  const float v = select(x < lo, lo, x);
  return select(hi < v, hi, v);
}

// Returns e^r and sets n_bits = n (mod 2^32), where x = n ln2 + r, |r| ≤ ln2/2 (+ rounding), for
// |x| < 2^21 (callers clamp). The unsigned subtraction cannot overflow whatever the bits of a NaN.
[[gnu::always_inline]] inline float exp_reduced(float x, std::uint32_t& n_bits) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0x1.62e4p-1f;       // 0.693145752 (15 significant bits)
  constexpr float kLn2Lo = 0x1.7f7d1cp-20f;    // ln2 - kLn2Hi = 1.42860682e-6
  constexpr float kShifter = 0x1.8p23f;        // 1.5·2^23: v + kShifter rounds v to an integer
  constexpr float kC0 = 0x1.fffffcp-2f, kC1 = 0x1.55548ap-3f, kC2 = 0x1.555916p-5f, kC3 = 0x1.123fc6p-7f,
                  kC4 = 0x1.6a1a7p-10f;
  const float t = x * kLog2e + kShifter;
  const float nf = t - kShifter;
  n_bits = std::bit_cast<std::uint32_t>(t) - std::bit_cast<std::uint32_t>(kShifter);  // n in t's low bits
  const float r = (x - nf * kLn2Hi) - nf * kLn2Lo;
  const float c = (((kC4 * r + kC3) * r + kC2) * r + kC1) * r + kC0;
  return 1.0f + (r + (r * r) * c);
}

[[gnu::always_inline]] inline float exp_f32(float x) {
  // Below -104 the result is 0 after rounding (e^-103.97 = 2^-150); above 88.8 it is inf.
  std::uint32_t n_bits;
  const float er = exp_reduced(clamp_nan(x, -104.0f, 88.8f), n_bits);
  const auto n = static_cast<std::int32_t>(n_bits);
  const std::int32_t n1 = n >> 1, n2 = n - n1;
  const float s1 = std::bit_cast<float>(static_cast<std::uint32_t>(n1 + 127) << 23);
  const float s2 = std::bit_cast<float>(static_cast<std::uint32_t>(n2 + 127) << 23);
  return er * s1 * s2;
}

// e^min(y, 18.5) for y ≥ 0 or NaN: tanh's large branch, where anything from e^18.5 up makes
// 2/(e + 1) < ½ ulp(1), so tanh = 1 either way. n ≤ 27 needs one scale factor and no underflow
// handling: 20% less work per tanh than exp_f32, and the same bits for every float.
[[gnu::always_inline]] inline float exp_nonneg_sat(float y) {
  std::uint32_t n_bits;
  const float er = exp_reduced(select(18.5f < y, 18.5f, y), n_bits);
  return er * std::bit_cast<float>((n_bits + 127u) << 23);
}

[[gnu::always_inline]] inline float tanh_f32(float x) {
  constexpr float kSplit = 0.75f;
  constexpr float kU0 = -0x1.555556p-2f, kU1 = -0x1.e312bp-7f;  // U(s) = kU0 + kU1 s (kU0 ≈ -1/3)
  constexpr float kQ1 = 0x1.c6e358p-2f, kQ2 = 0x1.02a3a8p-6f;   // Q(s) = 1 + kQ1 s + kQ2 s²
  const float a = std::fabs(x);
  const float s = a * a;
  const float small_num = (a * s) * (kU1 * s + kU0);
  const float small_den = (kQ2 * s + kQ1) * s + 1.0f;
  const float e2a = exp_nonneg_sat(2.0f * a);
  const bool small = a < kSplit;  // false for NaN: e2a is NaN and so is the result
  const float r = select(small, a, 1.0f) + select(small, small_num, -2.0f) / select(small, small_den, e2a + 1.0f);
  return std::copysign(r, x);
}

[[gnu::always_inline]] inline float sigmoid_f32(float x) {
  const float e = exp_f32(-std::fabs(x));
  return select(x >= 0.0f, 1.0f, e) / (1.0f + e);  // NaN: x >= 0 is false and e is NaN
}

// The kernels' spelling: float32 -> the functions above; float64 -> libm (and the float64
// sigmoid's sign split, so e^-x never overflows).
[[gnu::always_inline]] inline float exp(float x) { return exp_f32(x); }
[[gnu::always_inline]] inline float tanh(float x) { return tanh_f32(x); }
[[gnu::always_inline]] inline float sigmoid(float x) { return sigmoid_f32(x); }
inline double exp(double x) { return std::exp(x); }
inline double tanh(double x) { return std::tanh(x); }
inline double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// Σ of a sequence in kLanes interleaved partial sums (term i goes to lane i % kLanes), added in a
// fixed tree at the end. Each lane is summed in order, so GCC vectorises it without
// -ffast-math, and the result depends only on the terms (not on where they lie in memory). The
// loops above use it for the sums whose terms come from exp or tanh (a serial sum would cost one
// add latency per term, about what the vectorised exp or tanh costs for four terms).
template <class T> class LaneSum {
 public:
  static constexpr int kLanes = 8;
  // Adds the next n terms; every call but the last must add a multiple of kLanes terms.
  void add(const T* x, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int u = 0; u < kLanes; ++u) acc_[u] += x[i + u];
    for (int u = 0; i + u < n; ++u) acc_[u] += x[i + u];
  }
  // Adds a[i] b[i] for i < n, under add's rule.
  void add_products(const T* a, const T* b, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int u = 0; u < kLanes; ++u) acc_[u] += a[i + u] * b[i + u];
    for (int u = 0; i + u < n; ++u) acc_[u] += a[i + u] * b[i + u];
  }
  T total() const { return ((acc_[0] + acc_[4]) + (acc_[1] + acc_[5])) + ((acc_[2] + acc_[6]) + (acc_[3] + acc_[7])); }

 private:
  T acc_[kLanes] = {};
};

// Stack buffer length for loops that first compute exp or tanh of a row into a buffer (a vectorised
// loop) and then sum it: a multiple of LaneSum's kLanes, small enough for L1.
inline constexpr std::int64_t kRowChunk = 512;

}  // namespace s2s::cpu::vmath
