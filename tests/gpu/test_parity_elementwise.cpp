// Parity of the CUDA elementwise ops and backward rules with the float64 CPU kernels, on odd
// sizes, with guards around every operand and NaN-poisoned outputs; the accumulating rules start
// from random dx. Non-finite inputs must behave as on the CPU (relu(NaN) = 0, clip passes NaN).
#include <cmath>
#include <functional>
#include <limits>

#include "gpu/harness.h"
#include "s2s/kernels/elementwise.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("add", "sub", "mul", "scale", "axpy", "mul_acc", "sigmoid_forward", "sigmoid_backward",
                  "tanh_forward", "tanh_backward", "relu_forward", "relu_backward", "clip_forward",
                  "clip_backward", "add_row_vector", "add_broadcast_middle");

const std::int64_t kSizes[] = {1, 7, 33, 1000, 65537};

// The three float operand slots every flat op uses: out (written or accumulated), in1, in2.
struct Flat {
  std::vector<float> out, in1, in2;
};
using CudaFlat = std::function<void(float* out, const float* in1, const float* in2, std::int64_t n)>;
using CpuFlat = std::function<void(double* out, const double* in1, const double* in2, std::int64_t n)>;

// accumulate: `out` starts from data.out (else poisoned on the device, unset in the reference).
void check_flat(const char* op, const Flat& data, bool accumulate, const CudaFlat& cuda_op, const CpuFlat& cpu_op,
                Tol tol) {
  const auto n = static_cast<std::int64_t>(data.in1.size());
  DeviceArray<float> out = accumulate ? DeviceArray<float>(data.out) : DeviceArray<float>::poisoned(n);
  DeviceArray<float> in1(data.in1), in2(data.in2.empty() ? data.in1 : data.in2);
  cuda_op(out.ptr(), in1.ptr(), in2.ptr(), n);
  std::vector<double> want = accumulate ? to_double(data.out) : std::vector<double>(n, 0.0);
  const auto d1 = to_double(data.in1), d2 = to_double(data.in2.empty() ? data.in1 : data.in2);
  cpu_op(want.data(), d1.data(), d2.data(), n);
  EXPECT_TRUE(near(out.read(), want, tol)) << op << " n=" << n;
  EXPECT_TRUE(out.guards_intact("out")) << op << " n=" << n;
  EXPECT_TRUE(in1.guards_intact("in1")) << op << " n=" << n;
  EXPECT_TRUE(in2.guards_intact("in2")) << op << " n=" << n;
}

Flat draw(std::int64_t n, std::uint64_t seed, float lo = -1, float hi = 1) {
  Rng rng(seed);
  return {rng.uniform(n, -1, 1), rng.uniform(n, lo, hi), rng.uniform(n, -1, 1)};
}

class ElementwiseParity : public CudaTest {};

TEST_F(ElementwiseParity, BinaryAndScaling) {
  std::uint64_t seed = 1;
  for (std::int64_t n : kSizes) {
    check_flat("add", draw(n, seed++), false, [](float* y, const float* a, const float* b, std::int64_t k) { S2S_CUDA_OP(add)(y, a, b, k); },
               [](double* y, const double* a, const double* b, std::int64_t k) { cpu::add<double>(y, a, b, k); }, kElementwise);
    check_flat("sub", draw(n, seed++), false, [](float* y, const float* a, const float* b, std::int64_t k) { S2S_CUDA_OP(sub)(y, a, b, k); },
               [](double* y, const double* a, const double* b, std::int64_t k) { cpu::sub<double>(y, a, b, k); }, kElementwise);
    check_flat("mul", draw(n, seed++), false, [](float* y, const float* a, const float* b, std::int64_t k) { S2S_CUDA_OP(mul)(y, a, b, k); },
               [](double* y, const double* a, const double* b, std::int64_t k) { cpu::mul<double>(y, a, b, k); }, kElementwise);
    check_flat("scale", draw(n, seed++), false, [](float* y, const float* x, const float*, std::int64_t k) { S2S_CUDA_OP(scale)(y, x, -1.5f, k); },
               [](double* y, const double* x, const double*, std::int64_t k) { cpu::scale<double>(y, x, -1.5, k); }, kElementwise);
    check_flat("axpy", draw(n, seed++), true, [](float* y, const float* x, const float*, std::int64_t k) { S2S_CUDA_OP(axpy)(y, x, 1.75f, k); },
               [](double* y, const double* x, const double*, std::int64_t k) { cpu::axpy<double>(y, x, 1.75, k); }, kElementwise);
    check_flat("mul_acc", draw(n, seed++), true, [](float* y, const float* a, const float* b, std::int64_t k) { S2S_CUDA_OP(mul_acc)(y, a, b, k); },
               [](double* y, const double* a, const double* b, std::int64_t k) { cpu::mul_acc<double>(y, a, b, k); }, kElementwise);
  }
}

TEST_F(ElementwiseParity, Activations) {
  std::uint64_t seed = 100;
  for (std::int64_t n : kSizes) {
    check_flat("sigmoid_forward", draw(n, seed++, -8, 8), false,
               [](float* y, const float* x, const float*, std::int64_t k) { S2S_CUDA_OP(sigmoid_forward)(y, x, k); },
               [](double* y, const double* x, const double*, std::int64_t k) { cpu::sigmoid_forward<double>(y, x, k); }, kTranscendental);
    check_flat("tanh_forward", draw(n, seed++, -8, 8), false,
               [](float* y, const float* x, const float*, std::int64_t k) { S2S_CUDA_OP(tanh_forward)(y, x, k); },
               [](double* y, const double* x, const double*, std::int64_t k) { cpu::tanh_forward<double>(y, x, k); }, kTranscendental);
    check_flat("relu_forward", draw(n, seed++), false,
               [](float* y, const float* x, const float*, std::int64_t k) { S2S_CUDA_OP(relu_forward)(y, x, k); },
               [](double* y, const double* x, const double*, std::int64_t k) { cpu::relu_forward<double>(y, x, k); }, kExact);
    // Backward rules: out = dx (accumulated), in1 = y (or x), in2 = dy.
    check_flat("sigmoid_backward", draw(n, seed++), true,
               [](float* dx, const float* y, const float* dy, std::int64_t k) { S2S_CUDA_OP(sigmoid_backward)(dx, y, dy, k); },
               [](double* dx, const double* y, const double* dy, std::int64_t k) { cpu::sigmoid_backward<double>(dx, y, dy, k); }, kElementwise);
    check_flat("tanh_backward", draw(n, seed++), true,
               [](float* dx, const float* y, const float* dy, std::int64_t k) { S2S_CUDA_OP(tanh_backward)(dx, y, dy, k); },
               [](double* dx, const double* y, const double* dy, std::int64_t k) { cpu::tanh_backward<double>(dx, y, dy, k); }, kElementwise);
    check_flat("relu_backward", draw(n, seed++), true,
               [](float* dx, const float* y, const float* dy, std::int64_t k) { S2S_CUDA_OP(relu_backward)(dx, y, dy, k); },
               [](double* dx, const double* y, const double* dy, std::int64_t k) { cpu::relu_backward<double>(dx, y, dy, k); }, kElementwise);
  }
}

TEST_F(ElementwiseParity, ClipIncludingBoundaries) {
  std::uint64_t seed = 200;
  for (std::int64_t n : kSizes) {
    Flat f = draw(n, seed++);
    for (std::int64_t i = 0; i < n; i += 5) f.in1[i] = (i / 5) % 2 ? 0.25f : -0.5f;  // exactly lo / hi
    check_flat("clip_forward", f, false,
               [](float* y, const float* x, const float*, std::int64_t k) { S2S_CUDA_OP(clip_forward)(y, x, -0.5f, 0.25f, k); },
               [](double* y, const double* x, const double*, std::int64_t k) { cpu::clip_forward<double>(y, x, -0.5, 0.25, k); }, kExact);
    check_flat("clip_backward", f, true,
               [](float* dx, const float* x, const float* dy, std::int64_t k) { S2S_CUDA_OP(clip_backward)(dx, x, dy, -0.5f, 0.25f, k); },
               [](double* dx, const double* x, const double* dy, std::int64_t k) { cpu::clip_backward<double>(dx, x, dy, -0.5, 0.25, k); }, kElementwise);
  }
}

TEST_F(ElementwiseParity, NonFiniteInputsBehaveAsCpu) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {nan, inf, -inf, 0.0f, -0.0f, 1.0f, -1.0f};
  const auto n = static_cast<std::int64_t>(x.size());
  DeviceArray<float> dx(x);
  struct Case {
    const char* op;
    std::function<void(float*, const float*)> cuda_op;
    std::function<void(float*, const float*)> cpu_op;
  };
  const Case cases[] = {
      {"relu_forward", [&](float* y, const float* v) { S2S_CUDA_OP(relu_forward)(y, v, n); }, [&](float* y, const float* v) { cpu::relu_forward<float>(y, v, n); }},
      {"clip_forward", [&](float* y, const float* v) { S2S_CUDA_OP(clip_forward)(y, v, -0.5f, 0.5f, n); }, [&](float* y, const float* v) { cpu::clip_forward<float>(y, v, -0.5f, 0.5f, n); }},
      {"sigmoid_forward", [&](float* y, const float* v) { S2S_CUDA_OP(sigmoid_forward)(y, v, n); }, [&](float* y, const float* v) { cpu::sigmoid_forward<float>(y, v, n); }},
      {"tanh_forward", [&](float* y, const float* v) { S2S_CUDA_OP(tanh_forward)(y, v, n); }, [&](float* y, const float* v) { cpu::tanh_forward<float>(y, v, n); }},
  };
  for (const Case& c : cases) {
    DeviceArray<float> y = DeviceArray<float>::poisoned(n);
    c.cuda_op(y.ptr(), dx.ptr());
    std::vector<float> want(x.size());
    c.cpu_op(want.data(), x.data());
    EXPECT_TRUE(near(y.read(), to_double(want), kTranscendental)) << c.op;
    EXPECT_TRUE(y.guards_intact("y")) << c.op;
  }
}

TEST_F(ElementwiseParity, BroadcastAdds) {
  std::uint64_t seed = 300;
  for (std::int64_t rows : {1, 7, 33})
    for (std::int64_t cols : {1, 7, 33, 513}) {
      Rng rng(seed++);
      const auto x = rng.uniform(rows * cols, -1, 1), bias = rng.uniform(cols, -1, 1);
      DeviceArray<float> dy = DeviceArray<float>::poisoned(rows * cols), dx(x), db(bias);
      S2S_CUDA_OP(add_row_vector)(dy.ptr(), dx.ptr(), db.ptr(), rows, cols);
      std::vector<double> want(x.size());
      const auto xd = to_double(x), bd = to_double(bias);
      cpu::add_row_vector<double>(want.data(), xd.data(), bd.data(), rows, cols);
      EXPECT_TRUE(near(dy.read(), want, kElementwise)) << "add_row_vector " << rows << "x" << cols;
      EXPECT_TRUE(dy.guards_intact("y")) << "add_row_vector " << rows << "x" << cols;
    }
  for (std::int64_t b : {1, 7})
    for (std::int64_t l : {1, 7, 33})
      for (std::int64_t c : {1, 33}) {
        Rng rng(seed++);
        const auto x = rng.uniform(b * l * c, -1, 1), v = rng.uniform(b * c, -1, 1);
        DeviceArray<float> dy = DeviceArray<float>::poisoned(b * l * c), dx(x), dv(v);
        S2S_CUDA_OP(add_broadcast_middle)(dy.ptr(), dx.ptr(), dv.ptr(), b, l, c);
        std::vector<double> want(x.size());
        const auto xd = to_double(x), vd = to_double(v);
        cpu::add_broadcast_middle<double>(want.data(), xd.data(), vd.data(), b, l, c);
        EXPECT_TRUE(near(dy.read(), want, kElementwise)) << "add_broadcast_middle " << b << "x" << l << "x" << c;
        EXPECT_TRUE(dy.guards_intact("y")) << "add_broadcast_middle " << b << "x" << l << "x" << c;
      }
}

TEST_F(ElementwiseParity, EmptyIsANoOpAndBadArgumentsThrow) {
  S2S_CUDA_OP(add)(nullptr, nullptr, nullptr, 0);
  DeviceArray<float> x(std::vector<float>(4, 1.0f));
  EXPECT_THROW(S2S_CUDA_OP(add)(x.ptr(), x.ptr(), x.ptr(), -1), Error);
  EXPECT_THROW(S2S_CUDA_OP(scale)(nullptr, x.ptr(), 2.0f, 4), Error);
  EXPECT_THROW(S2S_CUDA_OP(clip_forward)(x.ptr(), x.ptr(), 1.0f, -1.0f, 4), Error);
}

}  // namespace
}  // namespace s2s::test
