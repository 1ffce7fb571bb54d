#pragma once
// Owns: every numerical tolerance and statistical bound the unit tests use, each with the
// derivation that justifies it. Tests never hard-code a tolerance; they name one from here.
//
// Notation: u32 = 2^-24 and u64 = 2^-53 are the unit round-offs of float32 and float64
// (half of numeric_limits::epsilon()); n, K are the lengths of the sums involved.
#include <cmath>
#include <cstdint>
#include <limits>

namespace s2s::test::tol {

inline constexpr double kU32 = std::numeric_limits<float>::epsilon() / 2;   // 5.96e-8
inline constexpr double kU64 = std::numeric_limits<double>::epsilon() / 2;  // 1.11e-16

// The classic bound for a length-n floating-point sum or dot product (Higham, "Accuracy and
// Stability of Numerical Algorithms", §3.1): |fl(Σ x_i y_i) − Σ x_i y_i| ≤ γ_n Σ|x_i y_i| with
// γ_n = n u / (1 − n u). Any summation order (blocked BLAS kernels, FMA) satisfies it.
inline double gamma(std::int64_t n, double u) {
  const double nu = static_cast<double>(n) * u;
  return nu / (1.0 - nu);
}

// ---- GEMM ------------------------------------------------------------------------------------
// C = α op(A) op(B) + β C0 element by element: a K-term dot product (γ_K), the scaling by α and the
// addition of β C0 (two more roundings), so
//   |C − C_exact| ≤ γ_{K+2} (|α| Σ_k |a_ik b_kj| + |β C0_ij|).
// The reference is computed in long double (u ≈ 5.4e-20), whose own error is negligible.
inline double gemm_bound(std::int64_t k, double u, double abs_dot, double abs_beta_c0) {
  return gamma(k + 2, u) * (abs_dot + abs_beta_c0) + std::numeric_limits<double>::min();
}

// BF16 matmul precision (kernels/gemm.h, bf16.h): each operand is rounded to bfloat16 (8
// significant bits, unit round-off u_b = 2^-8), so ã b̃ = a b (1 + δ), |δ| ≤ 2 u_b + u_b²; the
// products of bf16 values are exact in float32 and are then summed as any float32 GEMM (γ_{K+2}
// on Σ|ã b̃| ≤ (1 + u_b)² Σ|a b|). Against the exact product of the ORIGINAL float32 operands:
//   |C − C_exact| ≤ (2 u_b + u_b² + γ_{K+2} (1 + u_b)²) |α| Σ_k |a_ik b_kj| + γ_{K+2} |β C0_ij|.
// A rigorous bound for normal (non-subnormal) operands; no slack needed beyond the reference's own
// long-double error.
inline constexpr double kUBf16 = 0x1p-8;
inline double bf16_gemm_bound(std::int64_t k, double abs_dot, double abs_beta_c0) {
  const double g = gamma(k + 2, kU32);
  return (2 * kUBf16 + kUBf16 * kUBf16 + g * (1 + kUBf16) * (1 + kUBf16)) * abs_dot + g * abs_beta_c0 +
         std::numeric_limits<double>::min();
}

// Mixed-precision training (tests/unit/train/test_mixed_precision.cpp): relative difference of
// the per-step training loss between a bf16 run and a float32 run of the same model from the same
// parameters on the same batches (Adam, 40 steps).
//  * Step 0: same parameters, same inputs; only the GEMM operands differ, each by ≤ u_b = 2^-8
//    relative, so every GEMM output moves by ≤ 2 u_b Σ|a b| and the cross-entropy, whose change is
//    at most 2 max|Δlogit|, by a few u_b relative to the logits' scale at worst. The rounding
//    errors have random signs and average over the B·T terms of the loss; measured: 4.9e-7 (GRU,
//    sampled softmax) and 3.9e-6 (2-layer LSTM, full softmax). Allowed: u_b = 3.9e-3.
//  * Later steps: the two trajectories separate as any two runs that differ by rounding do (each
//    update feeds the previous difference back); over a short run the gap grows about linearly.
//    Measured over 40 steps: at most 3.6e-3 (GRU) and 3.8e-3 (LSTM), i.e. ≈ u_b (60 steps: 1.5e-2,
//    which is why the run is kept short). Allowed: 4 u_b = 2^-6 ≈ 1.6e-2. For scale: rounding the
//    operands by truncation instead of to nearest (a biased rounding) gives 2.0e-2 on the GRU run
//    and fails; a path that breaks learning fails the test's learning check.
inline constexpr double kMixedPrecisionLossFirstStep = kUBf16;
inline constexpr double kMixedPrecisionLoss = 4 * kUBf16;

// ---- Softmax family ----------------------------------------------------------------------------
// softmax: each exp has ≤ 1 ulp error after the max is subtracted (the subtraction is exact
// when both operands are within a factor 2, otherwise ≤ 1/2 ulp of the difference, which exp
// amplifies by at most |x_j − m| ≤ the logit spread, kept ≤ 30 in the tests); the row sum adds
// γ_n relative error, the division 1/2 ulp. Relative error ≤ (n + 4 + spread) u; we allow
// 2× that.
inline double softmax_rel_tol(std::int64_t n, double u, double spread) {
  return 2.0 * (static_cast<double>(n) + 4.0 + spread) * u;
}
// log_softmax and cross-entropy, y = x − m − log Σ exp(x − m): absolute error ≤ u |x| (the
// subtractions) + u |m| + the relative error of the sum (n u, becoming absolute after log) +
// a few ulps of log. With M = max |x| over the row: ≤ (3 M + n + 4) u; we allow 2× that.
inline double log_softmax_abs_tol(std::int64_t n, double u, double max_abs_logit) {
  return 2.0 * (3.0 * max_abs_logit + static_cast<double>(n) + 4.0) * u;
}

// ---- Finite-difference gradient check (support/gradcheck.h) -----------------------------------
// J(x) = Σ_i out_i(x) R_i in float64 with a random probe R ∈ U(−1, 1); numeric dJ/dx_j =
// (J(x + h e_j) − J(x − h e_j)) / (2h).
//  * Truncation: the central difference errs by h² |J'''| / 6 ≈ 1.7e-13 |J'''| for h = 1e-6,
//    far below the relative tolerance for the smooth ops and inputs used (|J'''| = O(10)).
//  * Rounding: each output is computed with relative error c·u64 (c = a few ulps for elementwise
//    ops, ≲ √K for K-term dot products, ≲ n for row sums), so the difference J+ − J− carries an
//    absolute error ≲ c u64 S_j with S_j = Σ_i |R_i| (|out+_i| + |out−_i|) summed over the outputs
//    that x_j changes (the others are recomputed bit-identically and cancel exactly; J itself is
//    summed in long double). Divided by 2h this is the noise floor c u64 S_j / (2h); with
//    S_j ~ 10..100 and c ≤ kGradCheckRoundingSafety = 64 it stays ≤ ~1e-6, well below what a
//    wrong backward rule produces (a wrong factor, a transposed index, a missing term: O(|g|)).
//  * On top of the floor, a relative tolerance of 1e-7 on max(|analytic|, |numeric|) and a tiny
//    absolute floor of 1e-10 for gradients that are exactly zero.
inline constexpr double kGradCheckStep = 1e-6;
inline constexpr double kGradCheckRelTol = 1e-7;
inline constexpr double kGradCheckAbsFloor = 1e-10;
inline constexpr double kGradCheckRoundingSafety = 64.0;
// Inputs next to a kink (relu at 0, clip at its bounds) are moved at least this far from it, so
// x ± h never straddles the kink: 1000 h.
inline constexpr double kKinkMargin = 1e-3;

// ---- Exact-by-construction checks --------------------------------------------------------------
// Copies, gathers and additions of two float values are exact or correctly rounded once; tests
// of pure data movement compare with 0 tolerance, and single-rounding ops with one ulp.
inline constexpr double kExact = 0.0;

// ---- Statistics (initialisers, RNG) ------------------------------------------------------------
// Sample means are compared with their expectation within kSigmas standard errors. The tests
// use fixed seeds (so they are deterministic), and a 6σ bound would be exceeded by a correct
// implementation with probability ~2e-9 per check for a fresh seed: any failure means a real
// bias, not bad luck.
inline constexpr double kSigmas = 6.0;
// For X ~ U(−L, L): Var X = L²/3; X² has mean L²/3 and variance E X⁴ − (E X²)² = L⁴/5 − L⁴/9
// = 4L⁴/45. So over N samples: sd(mean X) = L/√(3N), sd(mean X²) = L² √(4/45) / √N.
inline double uniform_mean_bound(double limit, std::int64_t n) {
  return kSigmas * limit / std::sqrt(3.0 * static_cast<double>(n));
}
inline double uniform_second_moment_bound(double limit, std::int64_t n) {
  return kSigmas * limit * limit * std::sqrt(4.0 / 45.0) / std::sqrt(static_cast<double>(n));
}
// Chi-square critical value for `dof` degrees of freedom at upper-tail probability 1e-6, by the
// Wilson–Hilferty approximation χ² ≈ k (1 − 2/(9k) + z √(2/(9k)))³ with z = 4.7534 (the 1e-6
// normal quantile); accurate to ~1% for k ≥ 5 (e.g. k = 9: 45.9, tables 45.97).
inline double chi_square_critical_1e6(int dof) {
  const double k = dof, z = 4.7534;
  const double t = 1.0 - 2.0 / (9.0 * k) + z * std::sqrt(2.0 / (9.0 * k));
  return k * t * t * t;
}

// ---- Fused kernels (rnn_cell.h, attention.h, sampled_softmax.h) --------------------------------
// Cell steps on inputs in [−2, 2] against the spec formulas in long double: every output is a
// chain of at most ~10 operations (exp/tanh from libm, ≤ 2 ulp each in float and double; adds,
// multiplies and one division, ½ ulp each) on quantities of magnitude ≤ 3 whose derivatives are
// ≤ 1 in magnitude (σ' ≤ ¼, tanh' ≤ 1), so each output errs by ≤ ~10 · 2u · 3 = 60u absolutely.
// We allow 128u (2×); a wrong term or index is O(0.1) off.
inline double fused_cell_abs_tol(double u) { return 128.0 * u; }
// Attention score e = Σ_a v_a tanh(f_a + y_a), a length-A dot product whose terms carry their own
// error (the add f + y: ½ ulp amplified by tanh' ≤ 1; tanh ≤ 2 ulp): |error| ≤ γ_{A+3} Σ_a |v_a|
// (1 + |f_a + y_a|), doubled. Backward sums of L (dy) and B·L (dv) terms get the same form with
// their lengths (computed by the test).
inline double dot_bound(std::int64_t terms, double u, double sum_abs) {
  return 2.0 * gamma(terms + 3, u) * sum_abs + std::numeric_limits<double>::min();
}

}  // namespace s2s::test::tol
