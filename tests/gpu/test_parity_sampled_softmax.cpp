// Parity of the CUDA sampled-softmax logit steps with the float64 CPU kernels: the accidental-hit
// mask (exact: 0 or −FLT_MAX added; num_true 1 and 3; sampled ids drawn from a small range so
// hits are common; in place), the log-Q subtraction broadcast over rows and elementwise; guards,
// NaN-poisoned outputs, argument validation.
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/sampled_softmax.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("mask_accidental_hits", "subtract_log_q");

class SampledSoftmaxParity : public CudaTest {};

TEST_F(SampledSoftmaxParity, AccidentalHitMask) {
  std::uint64_t seed = 1;
  struct Case { std::int64_t b, s, nt; };
  for (const Case c : {Case{1, 1, 1}, Case{7, 33, 1}, Case{64, 512, 1}, Case{5, 40, 3}}) {
    Rng rng(seed++);
    const auto x = rng.uniform(c.b * c.s, -4, 4);
    const auto sampled = rng.ints(c.s, 0, 20), labels = rng.ints(c.b * c.nt, 0, 20);
    DeviceArray<float> dx(x), y = DeviceArray<float>::poisoned(c.b * c.s), inplace(x);
    DeviceArray<std::int32_t> ds(sampled), dl(labels);
    S2S_CUDA_OP(mask_accidental_hits)(y.ptr(), dx.ptr(), ds.ptr(), dl.ptr(), c.b, c.s, c.nt);
    S2S_CUDA_OP(mask_accidental_hits)(inplace.ptr(), inplace.ptr(), ds.ptr(), dl.ptr(), c.b, c.s, c.nt);
    std::vector<double> want(x.size());
    const auto xd = to_double(x);
    cpu::mask_accidental_hits<double>(want.data(), xd.data(), sampled.data(), labels.data(), c.b, c.s, c.nt);
    // The float result of x + (−FLT_MAX) is −FLT_MAX; the double reference keeps x's trace.
    for (double& w : want) w = double(float(w));
    const std::string what = std::to_string(c.b) + "x" + std::to_string(c.s) + " nt=" + std::to_string(c.nt);
    EXPECT_TRUE(near(y.read(), want, kExact)) << what;
    EXPECT_TRUE(near(inplace.read(), want, kExact)) << what << " in place";
    for (const auto* a : {&dx, &y, &inplace}) EXPECT_TRUE(a->guards_intact("logits")) << what;
    EXPECT_TRUE(ds.guards_intact("sampled") && dl.guards_intact("labels")) << what;
  }
}

TEST_F(SampledSoftmaxParity, SubtractLogQ) {
  std::uint64_t seed = 100;
  for (std::int64_t rows : {1, 7, 64})
    for (std::int64_t cols : {1, 33, 513}) {
      Rng rng(seed++);
      const auto x = rng.uniform(rows * cols, -4, 4), q = rng.uniform(cols, 1e-4f, 1.0f);
      DeviceArray<float> dx(x), dq(q), y = DeviceArray<float>::poisoned(rows * cols);
      S2S_CUDA_OP(subtract_log_q)(y.ptr(), dx.ptr(), dq.ptr(), rows, cols);
      std::vector<double> want(x.size());
      const auto xd = to_double(x), qd = to_double(q);
      cpu::subtract_log_q<double>(want.data(), xd.data(), qd.data(), rows, cols);
      const std::string what = std::to_string(rows) + "x" + std::to_string(cols);
      EXPECT_TRUE(near(y.read(), want, kLogQ)) << what;
      EXPECT_TRUE(y.guards_intact("y") && dq.guards_intact("q")) << what;
    }
}

TEST_F(SampledSoftmaxParity, EmptyIsANoOpAndBadArgumentsThrow) {
  S2S_CUDA_OP(mask_accidental_hits)(nullptr, nullptr, nullptr, nullptr, 0, 5, 1);
  S2S_CUDA_OP(subtract_log_q)(nullptr, nullptr, nullptr, 3, 0);
  DeviceArray<float> x(std::vector<float>(8, 0.5f));
  EXPECT_THROW(S2S_CUDA_OP(subtract_log_q)(x.ptr(), x.ptr(), nullptr, 2, 4), Error);
  EXPECT_THROW(S2S_CUDA_OP(mask_accidental_hits)(x.ptr(), x.ptr(), nullptr, nullptr, 2, 4, 1), Error);
}

}  // namespace
}  // namespace s2s::test
