// Parity of the CUDA global_sum_squares (the global gradient norm², one float in device memory)
// with the float64 CPU kernel: lists of 0, 1 and 40 arrays (empty ones included, sizes up to
// 2^20 + 3, so some arrays take the full 1024 partial blocks and the partials exceed one block),
// the bound of a double sum rounded once to float (tolerances.h), guards, bitwise determinism.
#include <cmath>
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/reduce.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("global_sum_squares");

class GlobalNormParity : public CudaTest {};

struct Arrays {
  std::vector<std::vector<float>> host;
  std::vector<DeviceArray<float>> dev;
  std::vector<const float*> ptrs;
  std::vector<std::int64_t> ns;
};

Arrays make(const std::vector<std::int64_t>& sizes, std::uint64_t seed) {
  Arrays a;
  for (std::int64_t n : sizes) a.host.push_back(Rng(seed++).uniform(n, -1, 1));
  for (const auto& h : a.host) a.dev.emplace_back(h);
  for (auto& d : a.dev) {
    a.ptrs.push_back(d.size() ? d.ptr() : nullptr);
    a.ns.push_back(d.size());
  }
  return a;
}

float run(const Arrays& a) {
  DeviceArray<float> out = DeviceArray<float>::poisoned(1);
  S2S_CUDA_OP(global_sum_squares)(out.ptr(), a.ptrs.data(), a.ns.data(), static_cast<std::int64_t>(a.ptrs.size()));
  EXPECT_TRUE(out.guards_intact("out"));
  return out.read()[0];
}

TEST_F(GlobalNormParity, MatchesTheDoubleSum) {
  std::vector<std::vector<std::int64_t>> lists = {{}, {0}, {7}, {(1 << 20) + 3}};
  std::vector<std::int64_t> many;
  for (int i = 0; i < 40; ++i) many.push_back(i % 7 == 0 ? 0 : (i * 7919) % 300000 + 1);
  lists.push_back(many);
  std::uint64_t seed = 1;
  for (const auto& sizes : lists) {
    const Arrays a = make(sizes, seed);
    seed += sizes.size() + 1;
    std::vector<std::vector<double>> hd;
    std::vector<const double*> ptrs;
    double mass = 0, n_total = 0;
    for (const auto& h : a.host) {
      hd.push_back(to_double(h));
      for (double v : hd.back()) mass += v * v;
      n_total += double(h.size());
    }
    for (const auto& h : hd) ptrs.push_back(h.data());
    const double want = cpu::global_sum_squares<double>(ptrs.data(), a.ns.data(), static_cast<std::int64_t>(ptrs.size()));
    const double bound = 2 * (2 * kU * std::fabs(want) + n_total * 2 * kDoubleU * mass);
    EXPECT_TRUE(near_bound({run(a)}, {want}, {bound})) << sizes.size() << " arrays";
    for (const auto& d : a.dev) EXPECT_TRUE(d.guards_intact("array"));
  }
}

TEST_F(GlobalNormParity, BitwiseReproducible) {
  const Arrays a = make({5, (1 << 20) + 3, 0, 4097, 333333}, 99);
  EXPECT_TRUE(bitwise_equal({run(a)}, {run(a)}));
}

TEST_F(GlobalNormParity, BadArgumentsThrow) {
  DeviceArray<float> out = DeviceArray<float>::poisoned(1);
  const float* null_array = nullptr;
  const std::int64_t n = 4, neg = -1;
  EXPECT_THROW(S2S_CUDA_OP(global_sum_squares)(out.ptr(), &null_array, &n, 1), Error);
  EXPECT_THROW(S2S_CUDA_OP(global_sum_squares)(out.ptr(), &null_array, &neg, 1), Error);
  EXPECT_THROW(S2S_CUDA_OP(global_sum_squares)(nullptr, nullptr, nullptr, 0), Error);
}

}  // namespace
}  // namespace s2s::test
