// Parity of the CUDA reductions with the float64 CPU kernels: sum / sum_squares (single-element
// device output with guards, up to 2^20 + 3 elements, bitwise reproducible), sum_rows and
// sum_middle (write and accumulate), argmax_rows (first index on ties, NaN and infinity rules).
#include <cmath>
#include <limits>
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/reduce.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("sum", "sum_squares", "sum_rows", "sum_middle", "argmax_rows");

class ReduceParity : public CudaTest {};

float run_sum(bool squares, const DeviceArray<float>& x) {
  DeviceArray<float> out = DeviceArray<float>::poisoned(1);
  if (squares) S2S_CUDA_OP(sum_squares)(out.ptr(), x.ptr(), x.size());
  else S2S_CUDA_OP(sum)(out.ptr(), x.ptr(), x.size());
  EXPECT_TRUE(out.guards_intact("out")) << (squares ? "sum_squares" : "sum") << " n=" << x.size();
  return out.read()[0];
}

TEST_F(ReduceParity, SumAndSumSquares) {
  std::uint64_t seed = 1;
  for (std::int64_t n : {0, 1, 7, 33, 1000, (1 << 20) + 3}) {
    const auto x = Rng(seed++).uniform(n, -1, 1);
    DeviceArray<float> dx(x);
    const auto xd = to_double(x);
    double mass = 0, mass_sq = 0;
    for (double v : xd) mass += std::fabs(v), mass_sq += v * v;
    for (bool squares : {false, true}) {
      const double want = squares ? cpu::sum_squares<double>(xd.data(), n) : cpu::sum<double>(xd.data(), n);
      // tolerances.h: one float rounding of a double sum: 2u |s| + n 2^-52 Σ|terms|, doubled.
      const double bound = 2 * (2 * kU * std::fabs(want) + double(n) * 2 * kDoubleU * (squares ? mass_sq : mass));
      const float got = run_sum(squares, dx);
      EXPECT_TRUE(near_bound({got}, {want}, {bound})) << (squares ? "sum_squares" : "sum") << " n=" << n;
    }
  }
}

TEST_F(ReduceParity, SumIsBitwiseReproducible) {
  DeviceArray<float> x(Rng(5).uniform((1 << 20) + 3, -1, 1));
  EXPECT_TRUE(bitwise_equal({run_sum(false, x)}, {run_sum(false, x)}));
  EXPECT_TRUE(bitwise_equal({run_sum(true, x)}, {run_sum(true, x)}));
}

// y (=|+=) column sums; bound per column: 2 gamma(ceil(rows/8) + 9) (|y0| + Σ|x|) (tolerances.h).
void check_column_sums(bool middle, std::int64_t b, std::int64_t rows, std::int64_t cols, bool accumulate,
                       std::uint64_t seed) {
  Rng rng(seed);
  const auto x = rng.uniform(b * rows * cols, -1, 1), y0 = rng.uniform(b * cols, -1, 1);
  DeviceArray<float> dx(x);
  DeviceArray<float> y = accumulate ? DeviceArray<float>(y0) : DeviceArray<float>::poisoned(b * cols);
  if (middle) S2S_CUDA_OP(sum_middle)(y.ptr(), dx.ptr(), b, rows, cols);
  else S2S_CUDA_OP(sum_rows)(y.ptr(), dx.ptr(), rows, cols, accumulate);
  const auto xd = to_double(x), xa = abs_of(xd);
  std::vector<double> want = accumulate ? to_double(y0) : std::vector<double>(b * cols, 0.0);
  std::vector<double> mass = accumulate ? abs_of(to_double(y0)) : std::vector<double>(b * cols, 0.0);
  if (middle) {
    cpu::sum_middle<double>(want.data(), xd.data(), b, rows, cols);
    cpu::sum_middle<double>(mass.data(), xa.data(), b, rows, cols);
  } else {
    cpu::sum_rows<double>(want.data(), xd.data(), rows, cols, accumulate);
    cpu::sum_rows<double>(mass.data(), xa.data(), rows, cols, true);
  }
  std::vector<double> bound(want.size());
  for (std::size_t i = 0; i < bound.size(); ++i) bound[i] = 2 * gamma(double((rows + 7) / 8 + 9)) * mass[i];
  const std::string what = std::string(middle ? "sum_middle" : "sum_rows") + " b=" + std::to_string(b) + " rows=" +
                           std::to_string(rows) + " cols=" + std::to_string(cols) + (accumulate ? " accumulate" : "");
  EXPECT_TRUE(near_bound(y.read(), want, bound)) << what;
  EXPECT_TRUE(y.guards_intact("y")) << what;
}

TEST_F(ReduceParity, SumRows) {
  std::uint64_t seed = 100;
  for (std::int64_t rows : {0, 1, 7, 33, 1000})
    for (std::int64_t cols : {1, 7, 33, 300})
      for (bool accumulate : {false, true}) check_column_sums(false, 1, rows, cols, accumulate, seed++);
}

TEST_F(ReduceParity, SumMiddle) {
  std::uint64_t seed = 200;
  for (std::int64_t b : {1, 7})
    for (std::int64_t l : {1, 7, 33, 100})
      for (std::int64_t c : {1, 33, 300}) check_column_sums(true, b, l, c, true, seed++);
}

void check_argmax(const std::vector<float>& x, std::int64_t rows, std::int64_t cols, const std::string& what) {
  DeviceArray<float> dx(x);
  DeviceArray<std::int32_t> idx = DeviceArray<std::int32_t>::poisoned(rows);
  S2S_CUDA_OP(argmax_rows)(idx.ptr(), dx.ptr(), rows, cols);
  std::vector<std::int32_t> want(rows);
  const auto xd = to_double(x);
  cpu::argmax_rows<double>(want.data(), xd.data(), rows, cols);
  EXPECT_TRUE(ints_equal(idx.read(), want)) << what;
  EXPECT_TRUE(idx.guards_intact("idx")) << what;
}

TEST_F(ReduceParity, ArgmaxRandomAndTies) {
  std::uint64_t seed = 300;
  for (std::int64_t rows : {1, 7, 33})
    for (std::int64_t cols : {1, 7, 33, 300, 5000}) {
      Rng rng(seed++);
      auto x = rng.uniform(rows * cols, -1, 1);
      check_argmax(x, rows, cols, "random " + std::to_string(rows) + "x" + std::to_string(cols));
      // Ties: the maximum appears several times (quantised values), the first index must win.
      for (auto& v : x) v = std::round(v * 2) / 2;
      check_argmax(x, rows, cols, "ties " + std::to_string(rows) + "x" + std::to_string(cols));
    }
}

TEST_F(ReduceParity, ArgmaxNonFinite) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::int64_t cols = 6;
  const std::vector<float> x = {
      nan, 1, 5, 2, 5, 0,          // NaN in column 0: the CPU scan never leaves it -> 0
      1, nan, 3, nan, 3, 2,        // NaN elsewhere never wins -> 2
      nan, nan, nan, nan, nan, nan,  // all NaN -> 0
      -inf, -inf, -inf, -inf, -inf, -inf,  // all -inf -> 0
      0, 1, inf, 2, inf, nan,      // first +inf -> 2
      -inf, -3, -inf, -3, -5, -4,  // -> 1
  };
  check_argmax(x, static_cast<std::int64_t>(x.size()) / cols, cols, "non-finite rows");
}

}  // namespace
}  // namespace s2s::test
