// Parity of the CUDA softmax family with the float64 CPU kernels: row counts 1/7/33, row lengths
// from 1 to 5000 (which takes the 1024-thread path), accumulation into random dx, guards and
// NaN-poisoned outputs; an invalid label poisons its loss and throws at the next synchronize().
#include <cmath>
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/softmax.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("softmax_rows", "softmax_rows_backward", "log_softmax_rows", "log_softmax_rows_backward",
                  "softmax_xent_forward", "softmax_xent_backward");

const std::int64_t kRows[] = {1, 7, 33};
const std::int64_t kCols[] = {1, 7, 33, 300, 5000};

std::string shape(std::int64_t r, std::int64_t c) { return std::to_string(r) + "x" + std::to_string(c); }

class SoftmaxParity : public CudaTest {};

TEST_F(SoftmaxParity, ForwardRows) {
  std::uint64_t seed = 1;
  for (std::int64_t r : kRows)
    for (std::int64_t c : kCols) {
      const auto x = Rng(seed++).uniform(r * c, -4, 4);
      const auto xd = to_double(x);
      DeviceArray<float> dx(x), y = DeviceArray<float>::poisoned(r * c), ly = DeviceArray<float>::poisoned(r * c);
      S2S_CUDA_OP(softmax_rows)(y.ptr(), dx.ptr(), r, c);
      S2S_CUDA_OP(log_softmax_rows)(ly.ptr(), dx.ptr(), r, c);
      std::vector<double> want(x.size()), lwant(x.size());
      cpu::softmax_rows<double>(want.data(), xd.data(), r, c);
      cpu::log_softmax_rows<double>(lwant.data(), xd.data(), r, c);
      EXPECT_TRUE(near(y.read(), want, kSoftmax)) << "softmax_rows " << shape(r, c);
      EXPECT_TRUE(near(ly.read(), lwant, kSoftmax)) << "log_softmax_rows " << shape(r, c);
      EXPECT_TRUE(y.guards_intact("y")) << "softmax_rows " << shape(r, c);
      EXPECT_TRUE(ly.guards_intact("y")) << "log_softmax_rows " << shape(r, c);
    }
}

TEST_F(SoftmaxParity, BackwardRowsAccumulate) {
  std::uint64_t seed = 100;
  for (std::int64_t r : kRows)
    for (std::int64_t c : kCols) {
      Rng rng(seed++);
      const auto x = rng.uniform(r * c, -4, 4), dy = rng.uniform(r * c, -1, 1), dx0 = rng.uniform(r * c, -1, 1);
      // y as the forward pass makes it (computed in float on the CPU: an input like any other).
      std::vector<float> y(x.size()), ly(x.size());
      cpu::softmax_rows<float>(y.data(), x.data(), r, c);
      cpu::log_softmax_rows<float>(ly.data(), x.data(), r, c);
      const auto yd = to_double(y), lyd = to_double(ly), dyd = to_double(dy);
      DeviceArray<float> d_y(y), d_ly(ly), d_dy(dy), dx(dx0), ldx(dx0);
      S2S_CUDA_OP(softmax_rows_backward)(dx.ptr(), d_y.ptr(), d_dy.ptr(), r, c);
      S2S_CUDA_OP(log_softmax_rows_backward)(ldx.ptr(), d_ly.ptr(), d_dy.ptr(), r, c);
      std::vector<double> want = to_double(dx0), lwant = to_double(dx0);
      cpu::softmax_rows_backward<double>(want.data(), yd.data(), dyd.data(), r, c);
      cpu::log_softmax_rows_backward<double>(lwant.data(), lyd.data(), dyd.data(), r, c);
      EXPECT_TRUE(near(dx.read(), want, kSoftmax)) << "softmax_rows_backward " << shape(r, c);
      EXPECT_TRUE(near(ldx.read(), lwant, kSoftmax)) << "log_softmax_rows_backward " << shape(r, c);
      EXPECT_TRUE(dx.guards_intact("dx")) << shape(r, c);
      EXPECT_TRUE(ldx.guards_intact("dx")) << shape(r, c);
    }
}

TEST_F(SoftmaxParity, CrossEntropyForwardBackward) {
  std::uint64_t seed = 200;
  for (std::int64_t r : kRows)
    for (std::int64_t c : kCols) {
      Rng rng(seed++);
      const auto x = rng.uniform(r * c, -4, 4), dloss = rng.uniform(r, -1, 1), dx0 = rng.uniform(r * c, -1, 1);
      const auto labels = rng.ints(r, 0, static_cast<std::int32_t>(c));
      const auto xd = to_double(x), dld = to_double(dloss);
      DeviceArray<float> d_x(x), d_dl(dloss), loss = DeviceArray<float>::poisoned(r), dx(dx0);
      DeviceArray<std::int32_t> d_lab(labels);
      S2S_CUDA_OP(softmax_xent_forward)(loss.ptr(), d_x.ptr(), d_lab.ptr(), r, c);
      S2S_CUDA_OP(softmax_xent_backward)(dx.ptr(), d_x.ptr(), d_lab.ptr(), d_dl.ptr(), r, c);
      std::vector<double> lwant(r), want = to_double(dx0);
      cpu::softmax_xent_forward<double>(lwant.data(), xd.data(), labels.data(), r, c);
      cpu::softmax_xent_backward<double>(want.data(), xd.data(), labels.data(), dld.data(), r, c);
      EXPECT_TRUE(near(loss.read(), lwant, kSoftmax)) << "softmax_xent_forward " << shape(r, c);
      EXPECT_TRUE(near(dx.read(), want, kSoftmax)) << "softmax_xent_backward " << shape(r, c);
      EXPECT_TRUE(loss.guards_intact("loss")) << shape(r, c);
      EXPECT_TRUE(dx.guards_intact("dx")) << shape(r, c);
    }
}

TEST_F(SoftmaxParity, InvalidLabelPoisonsLossAndThrowsAtSync) {
  const std::int64_t r = 3, c = 5;
  DeviceArray<float> x(Rng(7).uniform(r * c, -1, 1)), loss = DeviceArray<float>::poisoned(r);
  DeviceArray<std::int32_t> labels(std::vector<std::int32_t>{0, 5, 4});
  S2S_CUDA_OP(softmax_xent_forward)(loss.ptr(), x.ptr(), labels.ptr(), r, c);
  try {
    cuda::synchronize();
    ADD_FAILURE() << "an out-of-range label was not reported";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("label 5 at position 1"), std::string::npos) << what;
  }
  const auto got = loss.read();  // the report was cleared by the throw: this sync succeeds
  EXPECT_TRUE(std::isfinite(got[0]) && std::isnan(got[1]) && std::isfinite(got[2]));
}

TEST_F(SoftmaxParity, Deterministic) {
  const std::int64_t r = 33, c = 5000;
  DeviceArray<float> x(Rng(9).uniform(r * c, -4, 4));
  DeviceArray<float> a = DeviceArray<float>::poisoned(r * c), b = DeviceArray<float>::poisoned(r * c);
  S2S_CUDA_OP(log_softmax_rows)(a.ptr(), x.ptr(), r, c);
  S2S_CUDA_OP(log_softmax_rows)(b.ptr(), x.ptr(), r, c);
  EXPECT_TRUE(bitwise_equal(a.read(), b.read()));
}

}  // namespace
}  // namespace s2s::test
