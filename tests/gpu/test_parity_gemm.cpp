// Parity of the CUDA GEMMs (cuBLAS, row-major via the operand swap) with the float64 CPU GEMM:
// every transpose combination, odd shapes, alpha/beta (beta = 0 must not read a NaN-filled C),
// k = 0, batched, TF32 mode, run-to-run determinism, argument validation.
#include <cmath>

#include "gpu/gemm_case.h"
#include "gpu/harness.h"
#include "s2s/kernels/gemm.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("gemm", "gemm_batched");

// Restores FP32 math when a test that enabled TF32 ends (also on failure).
struct Tf32Scope {
  explicit Tf32Scope(bool on) { cuda::set_gemm_tf32(on); }
  ~Tf32Scope() { cuda::set_gemm_tf32(false); }
};

// Draws inputs, runs the case, compares with the float64 reference under the per-element bound
// of tolerances.h (plus the TF32 operand rounding when tf32).
void check_case(const GemmCase& c, bool tf32, std::uint64_t seed) {
  Rng rng(seed);
  const auto a = rng.uniform(c.batch * c.m * c.k, -1, 1), b = rng.uniform(c.batch * c.k * c.n, -1, 1);
  const auto c0 = rng.uniform(c.batch * c.m * c.n, -1, 1);
  const auto ad = to_double(a), bd = to_double(b);
  std::vector<double> want(c0.size(), 0.0), ab(c0.size(), 0.0);
  if (c.beta != 0.0f) want = to_double(c0);
  cpu::gemm_batched<double>(want.data(), ad.data(), bd.data(), c.ta, c.tb, c.batch, c.m, c.n, c.k, c.alpha, c.beta);
  const auto aa = abs_of(ad), ba = abs_of(bd);
  cpu::gemm_batched<double>(ab.data(), aa.data(), ba.data(), c.ta, c.tb, c.batch, c.m, c.n, c.k, 1.0, 0.0);
  std::vector<double> bound(want.size());
  for (std::size_t i = 0; i < bound.size(); ++i) {
    const double scaled = std::fabs(c.alpha) * ab[i] + std::fabs(c.beta) * std::fabs(c0[i]);
    bound[i] = kGemmSlack * (gamma(double(c.k) + 2) * scaled + (tf32 ? 2 * kTf32U * std::fabs(c.alpha) * ab[i] : 0.0));
  }
  EXPECT_TRUE(near_bound(run_cuda_gemm(c, a, b, c0), want, bound)) << c.str() << (tf32 ? " (TF32)" : "");
}

class GemmParity : public CudaTest {};

TEST_F(GemmParity, AllTransposesOddShapesAlphaBeta) {
  std::uint64_t seed = 1;
  for (std::int64_t m : {1, 7, 33})
    for (std::int64_t n : {1, 7, 33})
      for (std::int64_t k : {1, 7, 33})
        for (bool ta : {false, true})
          for (bool tb : {false, true})
            for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, std::pair{-0.75f, 1.25f}})
              check_case({1, m, n, k, ta, tb, alpha, beta, false}, false, seed++);
}

TEST_F(GemmParity, LargerNonSquare) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) check_case({1, 129, 257, 300, ta, tb, 1.0f, 1.0f, false}, false, 77 + ta * 2 + tb);
}

TEST_F(GemmParity, KZeroScalesOrZeroesC) {
  check_case({1, 7, 33, 0, false, false, 1.0f, 0.0f, false}, false, 5);   // C = 0 even though C was NaN
  check_case({1, 7, 33, 0, true, true, 1.0f, 0.5f, false}, false, 6);     // C = 0.5 C
  check_case({3, 7, 5, 0, false, true, 1.0f, 2.0f, true}, false, 7);
}

TEST_F(GemmParity, Batched) {
  std::uint64_t seed = 100;
  for (std::int64_t batch : {1, 3, 8})
    for (auto [m, n, k] : {std::tuple{7, 33, 5}, std::tuple{33, 1, 7}, std::tuple{1, 7, 33}, std::tuple{20, 30, 40}})
      for (bool ta : {false, true})
        for (bool tb : {false, true}) check_case({batch, m, n, k, ta, tb, 1.0f, 0.5f, true}, false, seed++);
}

TEST_F(GemmParity, Tf32WithinTf32BoundAndDiffersFromFp32) {
  const GemmCase c{1, 256, 256, 256, false, true, 1.0f, 0.0f, false};
  {
    Tf32Scope tf32(true);
    check_case(c, true, 11);
  }
  // The switch must change the arithmetic: on random data TF32 operand rounding is visible.
  Rng rng(12);
  const auto a = rng.uniform(c.m * c.k, -1, 1), b = rng.uniform(c.k * c.n, -1, 1), c0 = rng.uniform(c.m * c.n, -1, 1);
  const auto fp32 = run_cuda_gemm(c, a, b, c0);
  std::vector<float> tf;
  {
    Tf32Scope tf32(true);
    tf = run_cuda_gemm(c, a, b, c0);
  }
  EXPECT_FALSE(bitwise_equal(fp32, tf)) << "set_gemm_tf32(true) did not change the result of a 256^3 GEMM";
}

TEST_F(GemmParity, Deterministic) {
  const GemmCase c{4, 65, 129, 257, true, false, 1.0f, 1.0f, true};
  Rng rng(21);
  const auto a = rng.uniform(c.batch * c.m * c.k, -1, 1), b = rng.uniform(c.batch * c.k * c.n, -1, 1);
  const auto c0 = rng.uniform(c.batch * c.m * c.n, -1, 1);
  EXPECT_TRUE(bitwise_equal(run_cuda_gemm(c, a, b, c0), run_cuda_gemm(c, a, b, c0)));
}

TEST_F(GemmParity, RejectsBadArguments) {
  DeviceArray<float> x(std::vector<float>(16, 1.0f));
  EXPECT_THROW(S2S_CUDA_OP(gemm)(x.ptr(), x.ptr(), x.ptr(), false, false, -1, 2, 2, 1.0f, 0.0f), Error);
  EXPECT_THROW(S2S_CUDA_OP(gemm)(nullptr, x.ptr(), x.ptr(), false, false, 2, 2, 2, 1.0f, 0.0f), Error);
  EXPECT_THROW(S2S_CUDA_OP(gemm_batched)(x.ptr(), x.ptr(), x.ptr(), false, false, -2, 2, 2, 2, 1.0f, 0.0f), Error);
}

}  // namespace
}  // namespace s2s::test
