#pragma once
// Owns: every tolerance of the CPU(float64) <-> CUDA(float32) parity tests, with its derivation.
// A CUDA result `got` passes against the float64 reference `want` when
//     |got - want| <= abs + rel * |want|          (and NaN/Inf exactly where the reference has them)
// The inputs are float32 values and the reference receives those very values (converted exactly
// to double), so the whole difference is float32 rounding inside the CUDA kernel. With
// u = 2^-24 (float32 unit roundoff), the classical bounds (Higham, "Accuracy and Stability of
// Numerical Algorithms", 2nd ed., §2-3) are:
//   - one correctly rounded operation: relative error <= u;
//   - a sum of k terms in any order (sequential, tree, split): |error| <= gamma(k-1) * Σ|terms|,
//     gamma(k) = k u / (1 - k u);
//   - a dot product / GEMM entry of length k: |error| <= gamma(k) * Σ|a_i b_i| (= (|A||B|)_ij).
//   - CUDA's expf, logf, tanhf: at most 2 ulp (CUDA C++ Programming Guide, "Mathematical
//     Functions", single precision, without -use_fast_math, which we do not use).
// Where a bound depends on the data (GEMM, sums) the test computes it per element from the inputs
// (|A||B| through the float64 CPU GEMM on absolute values); elsewhere a constant covers the worst
// case for the test's input ranges, stated next to it. Each constant is at least 2x its bound so
// that a failure means a bug, not an unlucky draw, and at most ~10x so that a real bug (a missed
// term, a wrong index) is still far outside it.
#include <cstdint>

namespace s2s::test {

struct Tol {
  double abs;
  double rel;
};

constexpr double kU = 0x1p-24;        // float32 unit roundoff
constexpr double kTf32U = 0x1p-11;    // TF32 operands keep 10 explicit mantissa bits: u = 2^-11
constexpr double kLibmUlps = 2.0;     // expf / logf / tanhf error, in ulps (= 2u relative each)

constexpr double gamma(double k) { return k * kU / (1.0 - k * kU); }

// GEMM (per element, computed by the test): |C - C_ref| <= bound_ij, with
//   bound_ij = gamma(k + 2) * (|alpha| (|A||B|)_ij + |beta| |C0_ij|)   (+2: the alpha and beta
//   products and the final add), doubled for slack. TF32: each operand is first rounded to
//   2^-11, so every product carries up to 2 * 2^-11 relative error: add 2 kTf32U |alpha| (|A||B|).
constexpr double kGemmSlack = 2.0;

// Elementwise arithmetic (add, sub, mul, scale, axpy, mul_acc, the backward rules, relu, clip,
// the broadcast adds) on inputs in [-1, 1] with alpha, lo, hi in [-2, 2]: at most 3 rounded
// operations whose intermediates are at most 4 in magnitude, so |error| <= 3 * u * 4 = 12u
// (7.2e-7). Tolerance: abs 2e-6 (2.8x), no relative part (results near 0 cancel).
constexpr Tol kElementwise{2e-6, 0.0};

// Transcendental forward ops on x in [-8, 8]: tanhf is one libm call (2 ulp); sigmoid is expf
// (2 ulp), one add and one divide (u each): <= 4u relative to the result either way. Tolerance:
// rel 16u (4x; ≈ 9.5e-7), no absolute part (tiny sigmoid tails must be relatively right too).
constexpr Tol kTranscendental{0.0, 16 * kU};

// Softmax family on rows with inputs in [-4, 4] (so |x - max| <= 8) and cols <= 5000, block of
// at most 1024 threads: a row sum is 5 sequential terms per thread + a 10-level tree, so
// gamma(15) relative on the (positive) sum; expf of an argument a carries 2 ulp plus |a| u from
// the rounding of x - max (<= 8u); the divide u. Softmax: <= (15 + 2 + 8 + 1) u = 26u relative.
// Log-softmax: x - lse, with lse = m + log(s): abs error <= (|lse| + |x|) u + 2 ulp of log
// + relative error of s (<= 25u) -> with |x|, |lse| <= 13, abs <= 60u. Backward rules add a dot
// product of the same length over terms <= 4 in magnitude (dy in [-1, 1]); softmax_xent_backward
// multiplies exp(x - lse), whose relative error is that of lse (<= 60u abs) plus 2 ulp, by
// |dloss| <= 1: <= 64u. Tolerance: rel 64u (≈ 3.8e-6) and abs 8e-6 for all six, about 2x the
// largest bound.
constexpr Tol kSoftmax{8e-6, 64 * kU};

// Embedding gather and column copies move values: exact. Scatter-add performs the CPU's float
// additions in the CPU's order, so it is compared bitwise with cpu::<op><float>, and against the
// float64 reference with gamma(count + 1) * (|dtable| + Σ|rows|) per element (computed by the
// test; count = how often an id repeats).
constexpr Tol kExact{0.0, 0.0};

// sum / sum_squares accumulate in double and round once to float: |error| <= u |s| + gamma_64(n)
// Σ|x|, where the double term (n * 1.1e-16) is negligible for n < 1e7. Tolerance: rel 2u,
// abs n * 2.2e-16 * Σ|x| (computed by the test).
constexpr double kDoubleU = 0x1p-53;

// sum_rows / sum_middle accumulate in float: ceil(rows / 8) sequential terms per thread, 8 slice
// partials added in order, then the optional += into y: k = ceil(rows/8) + 9 additions, so
// |error| <= gamma(k) (|y0| + Σ_r |x_rc|) per column (computed by the test), doubled.

// Fused cell steps (rnn_cell.h) on inputs in [-2, 2] (state and gradients in [-1, 1]): each output
// is a chain of at most ~10 float operations (expf / tanhf 2 ulp each, the others u; an FMA
// contraction is one rounding instead of two) on quantities <= 3 in magnitude whose derivatives
// are <= 1 (σ' <= 1/4, tanh' <= 1), so |error| <= 10 * 2u * 3 = 60u (3.6e-6). Tolerance: abs
// 8e-6 (2.2x), no relative part.
constexpr Tol kFusedCell{8e-6, 0.0};

// Attention score and its backward (attention.h): dot products / sums of k terms, each term
// v tanh(f + y) (or its derivative form) carrying <= 5u (1 + |f + y|) |v| of its own error (the
// add, tanhf, the products), so per element |error| <= gamma(k + 4) Σ_terms |v| (1 + |f + y|)
// (times |de| for the backward), with k = A (e), 1 (dF), L (dy), B·L + B (dv: L-term partials
// added over B rows); doubled, computed by the test.
constexpr double kAttentionSlack = 2.0;

// Log-Q subtraction on x in [-4, 4], q in [1e-4, 1] (|log q| <= 9.3): logf <= 1 ulp of |log q|
// (CUDA guide: 1 ulp), the subtraction u of |y| <= 13.3, so <= 9.3 u + 13.3 u = 23u (1.4e-6).
// Tolerance: abs 4e-6 (2.9x). The accidental-hit mask adds 0 or -FLT_MAX: compared exactly
// (kExact; x + (-FLT_MAX) rounds to -FLT_MAX for |x| < 2^103).
constexpr Tol kLogQ{4e-6, 0.0};

// div / div_backward with |b| in [0.5, 2], a, dy, da0, db0 in [-1, 1]: |a / b| <= 2, |dy y / b|
// <= 4, and at most 3 roundings on quantities <= 5: <= 15u (9e-7): kElementwise (2e-6) covers it.
// transpose moves values (kExact) or adds one pair (kElementwise).
// Optimizer updates: bitwise equal to cpu::<rule><float> (optimizer.h); against the float64 rule,
// with var, grad, slots in [-1, 1] and lr <= 0.1: a few roundings of quantities <= 2 (Adam's step
// m alpha / (sqrt(v) + eps) is at most lr sqrt(1 - b2p) / (1 - b1p) ~ 0.3 here): kElementwise.

}  // namespace s2s::test
