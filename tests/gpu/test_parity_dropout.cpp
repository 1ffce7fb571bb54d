// Parity of the CUDA dropout mask (kernels/dropout.h) with the CPU kernel, bit for bit (the masks
// must not depend on the backend: checkpoints resume on either, ranks may mix): shapes with
// partial blocks up to 1000 x 513, keep probabilities, variational masks, tensor indices, counter
// bases near 2^63 with wrapping offsets; the base is read from device memory at run time (what a
// CUDA graph replay relies on); guards, NaN-poisoned outputs, the Tensor-level entry, bad
// arguments. keep = 0 (a NaN mask, 0/0) is left out: the device's NaN bit pattern differs from
// the host's and nothing uses it.
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/dropout.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("dropout_mask");

class DropoutParity : public CudaTest {};

Tensor device_counter(std::int64_t value) { return Tensor::from_vector<std::int64_t>({1}, {value}).to(Device::CUDA); }

std::vector<float> cpu_mask(std::int64_t base, std::uint64_t offset, std::uint64_t seed, std::uint64_t which, double keep,
                            std::int64_t rows, std::int64_t cols, bool variational) {
  std::vector<float> m(static_cast<std::size_t>(rows * cols));
  cpu::dropout_mask<float>(m.data(), &base, offset, seed, which, keep, rows, cols, variational);
  return m;
}

TEST_F(DropoutParity, MasksAreBitIdentical) {
  struct Shape2 {
    std::int64_t rows, cols;
  };
  const Shape2 shapes[] = {{1, 1}, {7, 33}, {64, 1024}, {1000, 513}, {3, 65537}};
  const std::int64_t bases[] = {0, 12345, static_cast<std::int64_t>((std::uint64_t{1} << 63) + 99), -3};
  std::uint64_t seed = 1;
  for (const Shape2& s : shapes)
    for (double keep : {0.1, 0.5, 0.7, 0.9, 1.0 / 3.0, 1.0})
      for (bool variational : {false, true}) {
        const std::int64_t base = bases[seed % 4];
        const std::uint64_t offset = seed % 3 == 0 ? 0 : seed * 11, which = (seed * 37) % kDropoutTensorsPerCall;
        ++seed;
        Tensor d_base = device_counter(base);
        auto mask = DeviceArray<float>::poisoned(s.rows * s.cols);
        S2S_CUDA_OP(dropout_mask)(mask.ptr(), d_base.data<std::int64_t>(), offset, seed, which, keep, s.rows, s.cols,
                                  variational);
        const std::string what = std::to_string(s.rows) + "x" + std::to_string(s.cols) + " keep " +
                                 std::to_string(keep) + (variational ? " variational" : "") + " seed " +
                                 std::to_string(seed);
        EXPECT_TRUE(bitwise_equal(mask.read(), cpu_mask(base, offset, seed, which, keep, s.rows, s.cols, variational)))
            << what;
        EXPECT_TRUE(mask.guards_intact("mask")) << what;
      }
}

TEST_F(DropoutParity, CounterIsReadFromDeviceMemoryAtRunTime) {
  Tensor d_base = device_counter(40);
  auto mask = DeviceArray<float>::poisoned(16 * 64);
  auto run = [&] { S2S_CUDA_OP(dropout_mask)(mask.ptr(), d_base.data<std::int64_t>(), 2, 5, 1, 0.5, 16, 64, false); };
  run();
  const auto first = mask.read();
  EXPECT_TRUE(bitwise_equal(first, cpu_mask(40, 2, 5, 1, 0.5, 16, 64, false)));
  d_base.copy_from(Tensor::from_vector<std::int64_t>({1}, {41}));  // same launch arguments, new counter
  run();
  EXPECT_TRUE(bitwise_equal(mask.read(), cpu_mask(41, 2, 5, 1, 0.5, 16, 64, false)));
  EXPECT_FALSE(bitwise_equal(mask.read(), first)) << "the counter in device memory must change the mask";
}

TEST_F(DropoutParity, TensorEntryMatchesTheCpuTensorEntry) {
  for (bool variational : {false, true}) {
    Tensor cpu = Tensor::empty({33, 100}, DType::F32), dev = Tensor::empty({33, 100}, DType::F32, Device::CUDA);
    kern::dropout_mask(cpu, Tensor::from_vector<std::int64_t>({1}, {77}), 3, 8, 2, 0.6, variational);
    kern::dropout_mask(dev, device_counter(77), 3, 8, 2, 0.6, variational);
    EXPECT_TRUE(bitwise_equal(dev.to_vector<float>(), cpu.to_vector<float>())) << variational;
    // A host counter for a device mask is refused (it would be dereferenced on the device).
    EXPECT_THROW(kern::dropout_mask(dev, Tensor::from_vector<std::int64_t>({1}, {77}), 3, 8, 2, 0.6, variational),
                 Error);
  }
}

TEST_F(DropoutParity, EmptyIsANoOpAndBadArgumentsThrow) {
  S2S_CUDA_OP(dropout_mask)(nullptr, nullptr, 0, 1, 0, 0.5, 0, 7, false);
  Tensor d_base = device_counter(0);
  DeviceArray<float> m(std::vector<float>(4, 1.0f));
  EXPECT_THROW(S2S_CUDA_OP(dropout_mask)(m.ptr(), nullptr, 0, 1, 0, 0.5, 2, 2, false), Error);
  EXPECT_THROW(S2S_CUDA_OP(dropout_mask)(nullptr, d_base.data<std::int64_t>(), 0, 1, 0, 0.5, 2, 2, false), Error);
  EXPECT_THROW(S2S_CUDA_OP(dropout_mask)(m.ptr(), d_base.data<std::int64_t>(), 0, 1, 0, 0.5, -1, 2, false), Error);
}

}  // namespace
}  // namespace s2s::test
