// Parity of the CUDA arith kernels (div, div_backward, transpose) with the float64 CPU kernels:
// odd sizes up to 65537 elements and 1000 x 513 matrices (partial tiles on both edges), null
// gradient outputs, accumulation, guards and NaN-poisoned outputs.
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/arith.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("div", "div_backward", "transpose");

class ArithParity : public CudaTest {};

// |b| in [0.5, 2] (tolerances.h: kElementwise covers div and its backward there).
std::vector<float> denominators(std::int64_t n, std::uint64_t seed) {
  auto v = Rng(seed).uniform(n, 0.5f, 2.0f);
  for (std::size_t i = 0; i < v.size(); i += 2) v[i] = -v[i];
  return v;
}

TEST_F(ArithParity, DivAndBackward) {
  std::uint64_t seed = 1;
  for (std::int64_t n : {1, 7, 33, 1000, 65537}) {
    Rng rng(seed++);
    const auto a = rng.uniform(n, -1, 1), dy = rng.uniform(n, -1, 1), da0 = rng.uniform(n, -1, 1),
               db0 = rng.uniform(n, -1, 1);
    const auto b = denominators(n, seed++);
    DeviceArray<float> d_a(a), d_b(b), d_dy(dy), y = DeviceArray<float>::poisoned(n);
    S2S_CUDA_OP(div)(y.ptr(), d_a.ptr(), d_b.ptr(), n);
    const auto ad = to_double(a), bd = to_double(b), dyd = to_double(dy);
    std::vector<double> w_y(n);
    cpu::div<double>(w_y.data(), ad.data(), bd.data(), n);
    EXPECT_TRUE(near(y.read(), w_y, kElementwise)) << "div n=" << n;
    const auto yd = to_double(y.read());
    for (int mask = 1; mask < 4; ++mask) {  // da only, db only, both
      DeviceArray<float> da(da0), db(db0);
      S2S_CUDA_OP(div_backward)(mask & 1 ? da.ptr() : nullptr, mask & 2 ? db.ptr() : nullptr, d_b.ptr(), y.ptr(),
                                d_dy.ptr(), n);
      auto w_da = to_double(da0), w_db = to_double(db0);
      cpu::div_backward<double>(mask & 1 ? w_da.data() : nullptr, mask & 2 ? w_db.data() : nullptr, bd.data(),
                                yd.data(), dyd.data(), n);
      EXPECT_TRUE(near(da.read(), w_da, kElementwise)) << "div_backward da n=" << n << " mask " << mask;
      EXPECT_TRUE(near(db.read(), w_db, kElementwise)) << "div_backward db n=" << n << " mask " << mask;
      EXPECT_TRUE(da.guards_intact("da") && db.guards_intact("db")) << n;
    }
    EXPECT_TRUE(y.guards_intact("y")) << "div n=" << n;
  }
}

TEST_F(ArithParity, Transpose) {
  std::uint64_t seed = 100;
  for (std::int64_t rows : {1, 7, 33, 1000})
    for (std::int64_t cols : {1, 32, 513})
      for (bool accumulate : {false, true}) {
        Rng rng(seed++);
        const auto x = rng.uniform(rows * cols, -1, 1), y0 = rng.uniform(rows * cols, -1, 1);
        DeviceArray<float> dx(x), y = accumulate ? DeviceArray<float>(y0) : DeviceArray<float>::poisoned(rows * cols);
        S2S_CUDA_OP(transpose)(y.ptr(), dx.ptr(), rows, cols, accumulate);
        std::vector<double> want = accumulate ? to_double(y0) : std::vector<double>(rows * cols, 0.0);
        const auto xd = to_double(x);
        cpu::transpose<double>(want.data(), xd.data(), rows, cols, accumulate);
        const std::string what = std::to_string(rows) + "x" + std::to_string(cols) + (accumulate ? " +=" : "");
        EXPECT_TRUE(near(y.read(), want, accumulate ? kElementwise : kExact)) << "transpose " << what;
        EXPECT_TRUE(y.guards_intact("y") && dx.guards_intact("x")) << "transpose " << what;
      }
}

TEST_F(ArithParity, EmptyIsANoOpAndBadArgumentsThrow) {
  S2S_CUDA_OP(div)(nullptr, nullptr, nullptr, 0);
  S2S_CUDA_OP(transpose)(nullptr, nullptr, 0, 5, false);
  DeviceArray<float> x(std::vector<float>(4, 1.0f));
  EXPECT_THROW(S2S_CUDA_OP(div)(x.ptr(), x.ptr(), nullptr, 4), Error);
  EXPECT_THROW(S2S_CUDA_OP(transpose)(x.ptr(), x.ptr(), -1, 4, false), Error);
}

}  // namespace
}  // namespace s2s::test
