// Parity of the CUDA optimizer updates with the CPU loops: bitwise equal to cpu::<rule><float>
// (optimizer.h: no FMA contraction, Adam's alpha computed on the host like the CPU), and within
// kElementwise of cpu::<rule><double> on the same float values; sizes up to 2^20 + 3, guards,
// several consecutive steps (slots carried over).
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/optimizer.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("sgd_update", "momentum_update", "adam_update");

class OptimizerParity : public CudaTest {};

const std::int64_t kSizes[] = {1, 7, 33, 65537, (1 << 20) + 3};

TEST_F(OptimizerParity, SgdAndMomentum) {
  std::uint64_t seed = 1;
  for (std::int64_t n : kSizes) {
    Rng rng(seed++);
    const auto var0 = rng.uniform(n, -1, 1), accum0 = rng.uniform(n, -1, 1), grad = rng.uniform(n, -1, 1);
    DeviceArray<float> d_var(var0), d_var2(var0), d_accum(accum0), d_grad(grad);
    auto var_f = var0, var2_f = var0, accum_f = accum0;                                        // float CPU
    auto var_d = to_double(var0), var2_d = to_double(var0), accum_d = to_double(accum0);     // float64 CPU
    const auto gd = to_double(grad);
    for (int step = 0; step < 3; ++step) {
      S2S_CUDA_OP(sgd_update)(d_var.ptr(), d_grad.ptr(), 0.1f, n);
      S2S_CUDA_OP(momentum_update)(d_var2.ptr(), d_accum.ptr(), d_grad.ptr(), 0.05f, 0.9f, n);
      cpu::sgd_update<float>(var_f.data(), grad.data(), 0.1f, n);
      cpu::momentum_update<float>(var2_f.data(), accum_f.data(), grad.data(), 0.05f, 0.9f, n);
      cpu::sgd_update<double>(var_d.data(), gd.data(), double(0.1f), n);
      cpu::momentum_update<double>(var2_d.data(), accum_d.data(), gd.data(), double(0.05f), double(0.9f), n);
    }
    const std::string what = "n=" + std::to_string(n);
    EXPECT_TRUE(bitwise_equal(d_var.read(), var_f)) << "sgd_update vs float CPU " << what;
    EXPECT_TRUE(bitwise_equal(d_var2.read(), var2_f)) << "momentum_update var vs float CPU " << what;
    EXPECT_TRUE(bitwise_equal(d_accum.read(), accum_f)) << "momentum_update accum vs float CPU " << what;
    EXPECT_TRUE(near(d_var.read(), var_d, kElementwise)) << "sgd_update " << what;
    EXPECT_TRUE(near(d_var2.read(), var2_d, kElementwise)) << "momentum_update var " << what;
    EXPECT_TRUE(near(d_accum.read(), accum_d, kElementwise)) << "momentum_update accum " << what;
    for (const auto* a : {&d_var, &d_var2, &d_accum, &d_grad}) EXPECT_TRUE(a->guards_intact("operand")) << what;
  }
}

TEST_F(OptimizerParity, Adam) {
  std::uint64_t seed = 100;
  for (std::int64_t n : kSizes) {
    Rng rng(seed++);
    auto var = rng.uniform(n, -1, 1), m = rng.uniform(n, -1, 1), v = rng.uniform(n, 0.1f, 1.0f);
    const auto grad = rng.uniform(n, -1, 1);
    DeviceArray<float> d_var(var), d_m(m), d_v(v), d_grad(grad);
    auto w_var = to_double(var), w_m = to_double(m), w_v = to_double(v);
    const auto gd = to_double(grad);
    float b1p = 0.9f, b2p = 0.999f;
    for (int step = 0; step < 3; ++step) {
      S2S_CUDA_OP(adam_update)(d_var.ptr(), d_m.ptr(), d_v.ptr(), d_grad.ptr(), b1p, b2p, 0.01f, 0.9f, 0.999f, 1e-8f, n);
      cpu::adam_update<float>(var.data(), m.data(), v.data(), grad.data(), b1p, b2p, 0.01f, 0.9f, 0.999f, 1e-8f, n);
      cpu::adam_update<double>(w_var.data(), w_m.data(), w_v.data(), gd.data(), b1p, b2p, double(0.01f), double(0.9f),
                               double(0.999f), double(1e-8f), n);
      b1p *= 0.9f;
      b2p *= 0.999f;
    }
    const std::string what = "n=" + std::to_string(n);
    EXPECT_TRUE(bitwise_equal(d_var.read(), var)) << "adam_update var vs float CPU " << what;
    EXPECT_TRUE(bitwise_equal(d_m.read(), m)) << "adam_update m vs float CPU " << what;
    EXPECT_TRUE(bitwise_equal(d_v.read(), v)) << "adam_update v vs float CPU " << what;
    EXPECT_TRUE(near(d_var.read(), w_var, kElementwise)) << "adam_update " << what;
    EXPECT_TRUE(near(d_m.read(), w_m, kElementwise)) << "adam_update m " << what;
    EXPECT_TRUE(near(d_v.read(), w_v, kElementwise)) << "adam_update v " << what;
    for (const auto* a : {&d_var, &d_m, &d_v, &d_grad}) EXPECT_TRUE(a->guards_intact("operand")) << what;
  }
}

TEST_F(OptimizerParity, EmptyIsANoOpAndBadArgumentsThrow) {
  S2S_CUDA_OP(sgd_update)(nullptr, nullptr, 0.1f, 0);
  DeviceArray<float> x(std::vector<float>(4, 1.0f));
  EXPECT_THROW(S2S_CUDA_OP(sgd_update)(x.ptr(), nullptr, 0.1f, 4), Error);
  EXPECT_THROW(S2S_CUDA_OP(adam_update)(x.ptr(), x.ptr(), x.ptr(), x.ptr(), 0.9f, 0.9f, 0.1f, 0.9f, 0.9f, 1e-8f, -2),
               Error);
}

}  // namespace
}  // namespace s2s::test
