// The CUDA bf16 GEMM with a Bf16OperandCache open (kernels/bf16_cache.h): the products are bit for
// bit those of the uncached GEMM (the cached copy is the same __float2bfloat16_rn rounding of the
// same values), a weight read by several GEMMs — as B, and transposed as in backward — is rounded
// once, an operand that is not registered is rounded per call as before, both operands may be
// cached, and the copies go back to the device allocator when the cache closes (the pool's bytes
// in use return to where they were).
#include <vector>

#include "gpu/harness.h"
#include "s2s/kernels/bf16_cache.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/gemm.h"

namespace s2s::test {
namespace {

using kern::Bf16OperandCache;

class Bf16CacheCuda : public CudaTest {};

struct Operands {
  std::int64_t m = 5, k = 67, n = 33;
  DeviceArray<float> w, x1, x2, dy;
  explicit Operands(Rng& rng)
      : w(rng.uniform(k * n, -1, 1)), x1(rng.uniform(m * k, -1, 1)), x2(rng.uniform(m * k, -1, 1)),
        dy(rng.uniform(m * n, -1, 1)) {}
  // x1 W, x2 W, dY Wᵀ (a forward and a backward read of the weight).
  std::vector<float> products() {
    auto c1 = DeviceArray<float>::poisoned(m * n), c2 = DeviceArray<float>::poisoned(m * n);
    auto dx = DeviceArray<float>::poisoned(m * k);
    S2S_CUDA_OP(gemm)(c1.ptr(), x1.ptr(), w.ptr(), false, false, m, n, k, 1.0f, 0.0f);
    S2S_CUDA_OP(gemm)(c2.ptr(), x2.ptr(), w.ptr(), false, false, m, n, k, 1.0f, 0.0f);
    S2S_CUDA_OP(gemm)(dx.ptr(), dy.ptr(), w.ptr(), false, true, m, k, n, 1.0f, 0.0f);
    std::vector<float> all = c1.read();
    for (const auto& part : {c2.read(), dx.read()}) all.insert(all.end(), part.begin(), part.end());
    return all;
  }
};

TEST_F(Bf16CacheCuda, CachedWeightGivesTheUncachedProductsAndIsRoundedOnce) {
  Rng rng(41);
  Operands ops(rng);
  kern::MatmulPrecisionScope bf16(kern::MatmulPrecision::BF16);
  const std::vector<float> uncached = ops.products();
  {
    Bf16OperandCache cache({{ops.w.ptr(), ops.k * ops.n}});
    EXPECT_TRUE(bitwise_equal(ops.products(), uncached));
    EXPECT_EQ(cache.stats().conversions, 1u);
    EXPECT_EQ(cache.stats().reuses, 2u);
  }
  {
    Bf16OperandCache both({{ops.w.ptr(), ops.k * ops.n}, {ops.x1.ptr(), ops.m * ops.k}});
    EXPECT_TRUE(bitwise_equal(ops.products(), uncached)) << "A cached too";
    EXPECT_EQ(both.stats().conversions, 2u);
  }
  kern::MatmulPrecisionScope f32(kern::MatmulPrecision::Float32);
  EXPECT_FALSE(bitwise_equal(ops.products(), uncached)) << "bf16 rounding is visible, so equality above means something";
}

TEST_F(Bf16CacheCuda, CopiesReturnToTheAllocatorWhenTheCacheCloses) {
  Rng rng(42);
  Operands ops(rng);
  kern::MatmulPrecisionScope bf16(kern::MatmulPrecision::BF16);
  ops.products();  // warm the pool's bins
  cuda::synchronize();
  const auto before = cuda::allocator_stats().bytes_in_use;
  {
    Bf16OperandCache cache({{ops.w.ptr(), ops.k * ops.n}});
    ops.products();
    EXPECT_GE(cuda::allocator_stats().bytes_in_use, before + static_cast<std::size_t>(ops.k * ops.n) * 2)
        << "the copy is held while the cache is open";
  }
  EXPECT_EQ(cuda::allocator_stats().bytes_in_use, before);
}

}  // namespace
}  // namespace s2s::test
