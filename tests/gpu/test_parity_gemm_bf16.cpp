// Parity of the CUDA bf16 GEMMs (kern::MatmulPrecision::BF16: our float32 -> bfloat16 conversion
// kernel + cublasGemmEx / cublasGemmStridedBatchedEx, CUDA_R_16BF operands, float32 accumulation)
// with the CPU bf16 twin (bf16.h rounding + cblas_sgemm): every transpose, odd sizes, alpha/beta,
// batched; the operand rounding itself bit for bit (ties, overflow to infinity, NaN); the switch
// back to float32; scratch returned to the allocator.
//
// Tolerance. Both backends multiply the SAME bfloat16 values (the rounding is identical, which
// RoundingIsTheCpuTwinsBitForBit checks exactly), and the product of two bfloat16 values is exact
// in float32, so they differ only in how the float32 sums are ordered and rounded. Against the
// float64 GEMM of the pre-rounded operands Ã, B̃ (exact products, sums with error ~2^-53):
//   CPU (OpenBLAS, IEEE float32 adds/FMAs, any order):  |C − C̃| ≤ γ_{k+2} S,
//   CUDA (tensor cores): the MMA units' internal float32 additions are not IEEE round-to-nearest
//     (they truncate, see Fasi, Higham, Mikaitis, Pranesh, "Numerical behavior of NVIDIA tensor
//     cores", PeerJ CS 2021), which at most doubles the unit roundoff: γ_{k+2} with u = 2^-23,
//     ≈ 2 γ_{k+2}; we allow 4 γ_{k+2} S (2x slack, as tolerances.h's kGemmSlack),
// with S_ij = |α| (|Ã||B̃|)_ij + |β| |C0_ij| and γ_n = n 2^-24 / (1 − n 2^-24) (tolerances.h).
// CUDA against the CPU twin directly: the sum of both, 5 γ_{k+2} S.
// What this catches: a conversion that truncates or is skipped, or cuBLAS using TF32 or its own
// conversion, changes the operands by up to 2^-8 relative, i.e. C by ~2^-9 sqrt(k) on random data,
// hundreds of times the bound; a wrong leading dimension/stride/transpose is O(1) off.
#include <bit>
#include <cmath>
#include <limits>

#include "gpu/gemm_case.h"
#include "gpu/harness.h"
#include "s2s/kernels/bf16.h"
#include "s2s/kernels/gemm.h"

namespace s2s::test {
namespace {

using kern::MatmulPrecision;
using kern::MatmulPrecisionScope;

constexpr double kBf16CudaSlack = 4.0;  // see the file comment
constexpr double kBf16CpuSlack = 1.0;

using Case = GemmCase;  // gpu/gemm_case.h

std::vector<float> run_cpu_twin(const Case& c, const std::vector<float>& a, const std::vector<float>& b,
                                const std::vector<float>& c0) {
  std::vector<float> out = c0;
  cpu::gemm_batched<float>(out.data(), a.data(), b.data(), c.ta, c.tb, c.batch, c.m, c.n, c.k, c.alpha, c.beta);
  return out;
}

std::vector<double> rounded_double(const std::vector<float>& v) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = kern::round_to_bf16(v[i]);
  return out;
}

// Runs the case on both backends under BF16 and checks them against the float64 product of the
// pre-rounded operands and against each other.
void check_case(const Case& c, std::uint64_t seed) {
  Rng rng(seed);
  const auto a = rng.uniform(c.batch * c.m * c.k, -1, 1), b = rng.uniform(c.batch * c.k * c.n, -1, 1);
  const auto c0 = rng.uniform(c.batch * c.m * c.n, -1, 1);
  const auto ar = rounded_double(a), br = rounded_double(b);
  std::vector<double> want(c0.size(), 0.0), ab(c0.size(), 0.0);
  if (c.beta != 0.0f) want = to_double(c0);
  cpu::gemm_batched<double>(want.data(), ar.data(), br.data(), c.ta, c.tb, c.batch, c.m, c.n, c.k, c.alpha, c.beta);
  const auto aa = abs_of(ar), ba = abs_of(br);
  cpu::gemm_batched<double>(ab.data(), aa.data(), ba.data(), c.ta, c.tb, c.batch, c.m, c.n, c.k, 1.0, 0.0);
  std::vector<double> cuda_bound(want.size()), cpu_bound(want.size()), pair_bound(want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double s = std::fabs(c.alpha) * ab[i] + std::fabs(c.beta) * std::fabs(c0[i]);
    cuda_bound[i] = kBf16CudaSlack * gamma(double(c.k) + 2) * s;
    cpu_bound[i] = kBf16CpuSlack * gamma(double(c.k) + 2) * s;
    pair_bound[i] = cuda_bound[i] + cpu_bound[i];
  }
  MatmulPrecisionScope bf16(MatmulPrecision::BF16);
  const auto got = run_cuda_gemm(c, a, b, c0), twin = run_cpu_twin(c, a, b, c0);
  EXPECT_TRUE(near_bound(twin, want, cpu_bound)) << c.str() << ": CPU twin vs float64 of rounded operands";
  EXPECT_TRUE(near_bound(got, want, cuda_bound)) << c.str() << ": CUDA vs float64 of rounded operands";
  EXPECT_TRUE(near_bound(got, to_double(twin), pair_bound)) << c.str() << ": CUDA vs CPU twin";
}

class GemmBf16Parity : public CudaTest {};

TEST_F(GemmBf16Parity, AllTransposesOddShapesAlphaBeta) {
  std::uint64_t seed = 1000;
  for (std::int64_t m : {1, 7, 33})
    for (std::int64_t n : {1, 8, 33})
      for (std::int64_t k : {1, 7, 64})
        for (bool ta : {false, true})
          for (bool tb : {false, true})
            for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, std::pair{-0.75f, 1.25f}})
              check_case({1, m, n, k, ta, tb, alpha, beta, false}, seed++);
}

TEST_F(GemmBf16Parity, LargerNonSquareAndTensorCoreSizes) {
  std::uint64_t seed = 2000;
  for (auto [m, n, k] : {std::tuple{129, 257, 300}, std::tuple{256, 512, 1024}, std::tuple{64, 1000, 513}})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) check_case({1, m, n, k, ta, tb, 1.0f, 1.0f, false}, seed++);
}

TEST_F(GemmBf16Parity, Batched) {
  std::uint64_t seed = 3000;
  for (std::int64_t batch : {1, 3, 8})
    for (auto [m, n, k] : {std::tuple{7, 33, 5}, std::tuple{33, 1, 7}, std::tuple{1, 7, 33}, std::tuple{20, 30, 40}})
      for (bool ta : {false, true})
        for (bool tb : {false, true}) check_case({batch, m, n, k, ta, tb, 1.0f, 0.5f, true}, seed++);
}

TEST_F(GemmBf16Parity, KZeroScalesOrZeroesC) {
  check_case({1, 7, 33, 0, false, false, 1.0f, 0.0f, false}, 5);  // C = 0 even though C was NaN
  check_case({3, 7, 5, 0, false, true, 1.0f, 2.0f, true}, 7);
}

// C = A @ I (and a batch of 1x1x1 products with B = 1): every entry is one product of a rounded
// A value with 1 plus exact zeros, so C holds exactly the device's rounding of A, which must be
// the CPU's bit for bit: ties both ways, carries, overflow to infinity, infinities and NaN.
TEST_F(GemmBf16Parity, RoundingIsTheCpuTwinsBitForBit) {
  auto f = [](std::uint32_t bits) { return std::bit_cast<float>(bits); };
  std::vector<float> special = {
      f(0x3F808000u), f(0x3F818000u), f(0xBF818000u), f(0x3F807FFFu), f(0x3F808001u), f(0x3FFF8000u),
      f(0x7F7F7FFFu), 1.0f / 3.0f,   -257.0f,         259.0f,         0.1f,           -1e30f,
  };
  Rng rng(77);
  for (float v : rng.uniform(500, -1000, 1000)) special.push_back(v);
  const std::int64_t m = static_cast<std::int64_t>(special.size()), k = 4;
  std::vector<float> a(m * k), eye(k * k, 0.0f);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t l = 0; l < k; ++l) a[i * k + l] = special[(i + l) % m];
  for (std::int64_t l = 0; l < k; ++l) eye[l * k + l] = 1.0f;
  MatmulPrecisionScope bf16(MatmulPrecision::BF16);
  std::vector<float> want(a.size());
  kern::round_to_bf16(want.data(), a.data(), m * k);
  EXPECT_TRUE(bitwise_equal(run_cuda_gemm({1, m, k, k, false, false, 1.0f, 0.0f, false}, a, eye, {}), want));

  // Non-finite values cannot go through A @ I (inf * 0 = NaN): one 1x1x1 product each.
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> odd = {inf, -inf, std::numeric_limits<float>::quiet_NaN(), f(0x7F7FFFFFu),
                                  f(0xFF7F8000u), f(0x7F7F8000u)};
  const auto n = static_cast<std::int64_t>(odd.size());
  const auto got = run_cuda_gemm({n, 1, 1, 1, false, false, 1.0f, 0.0f, true}, odd, std::vector<float>(n, 1.0f), {});
  for (std::int64_t i = 0; i < n; ++i) {
    const float w = kern::round_to_bf16(odd[i]);  // inf, -inf, NaN, inf (FLT_MAX overflows), -inf, inf (ties)
    if (std::isnan(w)) EXPECT_TRUE(std::isnan(got[i])) << i;
    else EXPECT_EQ(got[i], w) << "element " << i;
  }
}

// The setting really changes the device arithmetic, and switching back restores float32 exactly.
TEST_F(GemmBf16Parity, SwitchingPrecisionChangesAndRestoresTheResult) {
  const Case c{1, 256, 256, 256, false, true, 1.0f, 0.0f, false};
  Rng rng(12);
  const auto a = rng.uniform(c.m * c.k, -1, 1), b = rng.uniform(c.k * c.n, -1, 1), c0 = rng.uniform(c.m * c.n, -1, 1);
  const auto fp32_before = run_cuda_gemm(c, a, b, c0);
  std::vector<float> bf;
  {
    MatmulPrecisionScope bf16(MatmulPrecision::BF16);
    bf = run_cuda_gemm(c, a, b, c0);
  }
  const auto fp32_after = run_cuda_gemm(c, a, b, c0);
  EXPECT_FALSE(bitwise_equal(fp32_before, bf)) << "BF16 did not change a 256^3 GEMM";
  EXPECT_TRUE(bitwise_equal(fp32_before, fp32_after)) << "float32 results changed after a BF16 GEMM";
}

TEST_F(GemmBf16Parity, ScratchGoesBackToTheAllocator) {
  const Case c{4, 65, 129, 257, true, false, 1.0f, 1.0f, true};
  Rng rng(21);
  const auto a = rng.uniform(c.batch * c.m * c.k, -1, 1), b = rng.uniform(c.batch * c.k * c.n, -1, 1);
  const auto c0 = rng.uniform(c.batch * c.m * c.n, -1, 1);
  MatmulPrecisionScope bf16(MatmulPrecision::BF16);
  DeviceArray<float> da(a), db(b), dc(c0);
  const auto before = cuda::allocator_stats();
  for (int i = 0; i < 3; ++i)
    S2S_CUDA_OP(gemm_batched)(dc.ptr(), da.ptr(), db.ptr(), c.ta, c.tb, c.batch, c.m, c.n, c.k, c.alpha, c.beta);
  cuda::synchronize();
  const auto after = cuda::allocator_stats();
  EXPECT_EQ(after.bytes_in_use, before.bytes_in_use) << "bf16 operand scratch leaked";
  EXPECT_GE(after.allocations, before.allocations + 3) << "expected one scratch allocation per bf16 GEMM";
}

TEST_F(GemmBf16Parity, Deterministic) {
  const Case c{4, 65, 129, 257, true, false, 1.0f, 1.0f, true};
  Rng rng(31);
  const auto a = rng.uniform(c.batch * c.m * c.k, -1, 1), b = rng.uniform(c.batch * c.k * c.n, -1, 1);
  const auto c0 = rng.uniform(c.batch * c.m * c.n, -1, 1);
  MatmulPrecisionScope bf16(MatmulPrecision::BF16);
  EXPECT_TRUE(bitwise_equal(run_cuda_gemm(c, a, b, c0), run_cuda_gemm(c, a, b, c0)));
}

}  // namespace
}  // namespace s2s::test
