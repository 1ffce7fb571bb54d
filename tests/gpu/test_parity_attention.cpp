// Parity of the CUDA fused attention score with the float64 CPU kernels: B x L x A from 1 x 1 x 1
// to 8 x 50 x 1024 (the 1024-thread row path), per-element dot-product bounds, backward
// accumulation into random gradients, the dv-only and no-dv paths, guards, NaN-poisoned output,
// bitwise determinism.
#include <cmath>
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/attention.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("attention_score_forward", "attention_score_backward");

struct Bla {
  std::int64_t b, l, a;
};
const Bla kSizes[] = {{1, 1, 1}, {3, 7, 33}, {7, 33, 5}, {8, 50, 1024}};

std::string shape(Bla s) { return std::to_string(s.b) + "x" + std::to_string(s.l) + "x" + std::to_string(s.a); }

class AttentionParity : public CudaTest {};

struct Inputs {
  std::vector<float> f, y, v, de, df0, dy0, dv0;
};
Inputs draw(Bla s, std::uint64_t seed) {
  Rng rng(seed);
  return {rng.uniform(s.b * s.l * s.a, -2, 2), rng.uniform(s.b * s.a, -2, 2), rng.uniform(s.a, -1, 1),
          rng.uniform(s.b * s.l, -1, 1),       rng.uniform(s.b * s.l * s.a, -1, 1), rng.uniform(s.b * s.a, -1, 1),
          rng.uniform(s.a, -1, 1)};
}

// The per-element bounds of tolerances.h (kAttentionSlack) from the float64 inputs.
struct Bounds {
  std::vector<double> e, df, dy, dv;
};
Bounds bounds(Bla s, const Inputs& in) {
  Bounds r{std::vector<double>(s.b * s.l), std::vector<double>(in.df0.size()), std::vector<double>(in.dy0.size()),
           std::vector<double>(in.dv0.size())};
  for (std::size_t i = 0; i < in.dy0.size(); ++i) r.dy[i] = std::fabs(in.dy0[i]);
  for (std::size_t i = 0; i < in.dv0.size(); ++i) r.dv[i] = std::fabs(in.dv0[i]);
  for (std::int64_t b = 0; b < s.b; ++b)
    for (std::int64_t j = 0; j < s.l; ++j)
      for (std::int64_t a = 0; a < s.a; ++a) {
        const std::size_t at = (b * s.l + j) * s.a + a;
        const double m = 1 + std::fabs(double(in.f[at]) + in.y[b * s.a + a]), d = std::fabs(in.de[b * s.l + j]);
        const double v = std::fabs(in.v[a]);
        r.e[b * s.l + j] += v * m;
        r.df[at] = kAttentionSlack * gamma(5) * (std::fabs(in.df0[at]) + d * v * m);
        r.dy[b * s.a + a] += d * v * m;
        r.dv[a] += d * m;
      }
  for (auto& x : r.e) x *= kAttentionSlack * gamma(double(s.a + 4));
  for (auto& x : r.dy) x *= kAttentionSlack * gamma(double(s.l + 4));
  for (auto& x : r.dv) x *= kAttentionSlack * gamma(double(s.b * s.l + s.b + 4));
  return r;
}

TEST_F(AttentionParity, ForwardAndBackward) {
  std::uint64_t seed = 1;
  for (const Bla s : kSizes) {
    const Inputs in = draw(s, seed++);
    const Bounds bd = bounds(s, in);
    DeviceArray<float> f(in.f), y(in.y), v(in.v), de(in.de), df(in.df0), dy(in.dy0), dv(in.dv0);
    auto e = DeviceArray<float>::poisoned(s.b * s.l);
    S2S_CUDA_OP(attention_score_forward)(e.ptr(), f.ptr(), y.ptr(), v.ptr(), s.b, s.l, s.a);
    S2S_CUDA_OP(attention_score_backward)(df.ptr(), dy.ptr(), dv.ptr(), f.ptr(), y.ptr(), v.ptr(), de.ptr(), s.b, s.l,
                                          s.a);
    const auto fd = to_double(in.f), yd = to_double(in.y), vd = to_double(in.v), ded = to_double(in.de);
    std::vector<double> w_e(s.b * s.l), w_df = to_double(in.df0), w_dy = to_double(in.dy0), w_dv = to_double(in.dv0);
    cpu::attention_score_forward<double>(w_e.data(), fd.data(), yd.data(), vd.data(), s.b, s.l, s.a);
    cpu::attention_score_backward<double>(w_df.data(), w_dy.data(), w_dv.data(), fd.data(), yd.data(), vd.data(),
                                          ded.data(), s.b, s.l, s.a);
    EXPECT_TRUE(near_bound(e.read(), w_e, bd.e)) << "attention_score_forward " << shape(s);
    EXPECT_TRUE(near_bound(df.read(), w_df, bd.df)) << "attention_score_backward df " << shape(s);
    EXPECT_TRUE(near_bound(dy.read(), w_dy, bd.dy)) << "attention_score_backward dy " << shape(s);
    EXPECT_TRUE(near_bound(dv.read(), w_dv, bd.dv)) << "attention_score_backward dv " << shape(s);
    for (const auto* a : {&f, &y, &v, &de, &df, &dy, &dv, &e}) EXPECT_TRUE(a->guards_intact("operand")) << shape(s);
  }
}

TEST_F(AttentionParity, PartialGradientsAndDeterminism) {
  const Bla s{5, 9, 17};
  const Inputs in = draw(s, 77);
  DeviceArray<float> f(in.f), y(in.y), v(in.v), de(in.de);
  DeviceArray<float> dv_a(in.dv0), dv_b(in.dv0), dy_only(in.dy0);
  S2S_CUDA_OP(attention_score_backward)(nullptr, nullptr, dv_a.ptr(), f.ptr(), y.ptr(), v.ptr(), de.ptr(), s.b, s.l, s.a);
  S2S_CUDA_OP(attention_score_backward)(nullptr, nullptr, dv_b.ptr(), f.ptr(), y.ptr(), v.ptr(), de.ptr(), s.b, s.l, s.a);
  EXPECT_TRUE(bitwise_equal(dv_a.read(), dv_b.read()));
  S2S_CUDA_OP(attention_score_backward)(nullptr, dy_only.ptr(), nullptr, f.ptr(), y.ptr(), v.ptr(), de.ptr(), s.b, s.l,
                                        s.a);
  const auto fd = to_double(in.f), yd = to_double(in.y), vd = to_double(in.v), ded = to_double(in.de);
  std::vector<double> w_dy = to_double(in.dy0);
  cpu::attention_score_backward<double>(nullptr, w_dy.data(), nullptr, fd.data(), yd.data(), vd.data(), ded.data(), s.b,
                                        s.l, s.a);
  EXPECT_TRUE(near_bound(dy_only.read(), w_dy, bounds(s, in).dy));
  auto e1 = DeviceArray<float>::poisoned(s.b * s.l), e2 = DeviceArray<float>::poisoned(s.b * s.l);
  S2S_CUDA_OP(attention_score_forward)(e1.ptr(), f.ptr(), y.ptr(), v.ptr(), s.b, s.l, s.a);
  S2S_CUDA_OP(attention_score_forward)(e2.ptr(), f.ptr(), y.ptr(), v.ptr(), s.b, s.l, s.a);
  EXPECT_TRUE(bitwise_equal(e1.read(), e2.read()));
}

TEST_F(AttentionParity, EmptyIsANoOpAndBadArgumentsThrow) {
  S2S_CUDA_OP(attention_score_forward)(nullptr, nullptr, nullptr, nullptr, 0, 3, 4);
  S2S_CUDA_OP(attention_score_backward)(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 2, 0, 4);
  DeviceArray<float> x(std::vector<float>(64, 0.5f));
  EXPECT_THROW(S2S_CUDA_OP(attention_score_forward)(x.ptr(), x.ptr(), x.ptr(), x.ptr(), 2, -1, 4), Error);
  EXPECT_THROW(S2S_CUDA_OP(attention_score_forward)(x.ptr(), nullptr, x.ptr(), x.ptr(), 2, 3, 4), Error);
}

}  // namespace
}  // namespace s2s::test
