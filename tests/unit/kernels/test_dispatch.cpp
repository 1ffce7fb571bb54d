// Owns: tests of kern:: argument validation (kernels/tensor_ops.h): dtype, device and shape
// mismatches fail with messages naming the op and the offending shapes/dtypes/devices, before any
// kernel runs. Device mismatches use a host-memory stand-in allocator registered for
// Device::CUDA, so they run in any build; nothing here ever launches a device kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "s2s/kernels/tensor_ops.h"

namespace s2s {
namespace {

using ::testing::HasSubstr;

void expect_error(const std::function<void()>& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "expected s2s::Error";
  } catch (const Error& e) {
    for (const auto& frag : fragments) EXPECT_THAT(e.what(), HasSubstr(frag));
  }
}

// Host memory posing as CUDA memory, installed for the lifetime of the guard (the previous
// allocator is restored). Tensors made with it must die before the guard does.
class FakeDeviceAllocator : public DeviceAllocator {
 public:
  void* allocate(std::size_t bytes) override { return std::malloc(bytes ? bytes : 1); }
  void deallocate(void* p, std::size_t) override { std::free(p); }
  void copy_to_host(void* h, const void* d, std::size_t n) override { std::memcpy(h, d, n); }
  void copy_from_host(void* d, const void* h, std::size_t n) override { std::memcpy(d, h, n); }
  void copy_on_device(void* d, const void* s, std::size_t n) override { std::memcpy(d, s, n); }
  void fill_zero(void* d, std::size_t n) override { std::memset(d, 0, n); }
};
class FakeCudaGuard {
 public:
  FakeCudaGuard() : previous_(device_allocator(Device::CUDA)) { set_device_allocator(Device::CUDA, &fake_); }
  ~FakeCudaGuard() { set_device_allocator(Device::CUDA, previous_); }

 private:
  FakeDeviceAllocator fake_;
  DeviceAllocator* previous_;
};

TEST(KernDispatch, MixedDtypesAreRejected) {
  Tensor y = Tensor::zeros({2, 3}, DType::F32), a = Tensor::zeros({2, 3}, DType::F64);
  Tensor b = Tensor::zeros({2, 3}, DType::F32);
  expect_error([&] { kern::add(y, a, b); }, {"add: operands of different dtypes (float32 and float64)"});
  expect_error([&] { kern::mul_acc(y, b, a); }, {"mul_acc: operands of different dtypes"});
  expect_error([&] { kern::scale(y, a, 2.0); }, {"scale: operands of different dtypes"});
  expect_error([&] { kern::softmax_rows(y, a); }, {"softmax_rows: operands of different dtypes"});
  Tensor c = Tensor::zeros({2, 2}, DType::F64);
  expect_error([&] { kern::gemm(c, a, Tensor::zeros({3, 2}, DType::F32), false, false, 1, 0); },
               {"gemm: operands of different dtypes (float64 and float32)"});
}

TEST(KernDispatch, IntegerTensorsAreRejectedWhereFloatsAreNeeded) {
  Tensor y = Tensor::zeros({4}, DType::I32), a = Tensor::zeros({4}, DType::I32);
  expect_error([&] { kern::add(y, a, a); }, {"add: needs a float tensor, got int32"});
  Tensor i64 = Tensor::zeros({4}, DType::I64);
  expect_error([&] { kern::sum(i64); }, {"sum: needs a float tensor, got int64"});
}

TEST(KernDispatch, SizeMismatchesNameBothShapes) {
  Tensor y = Tensor::zeros({2, 3}, DType::F32), a = Tensor::zeros({3, 3}, DType::F32);
  expect_error([&] { kern::add(y, a, y); }, {"add: sizes differ: [2, 3] vs [3, 3]"});
  expect_error([&] { kern::sub(y, y, a); }, {"sub: sizes differ"});
  expect_error([&] { kern::activation_forward(kern::Activation::Tanh, y, a); }, {"activation_forward: sizes differ"});
  expect_error([&] { kern::activation_backward(kern::Activation::Tanh, y, y, a); }, {"activation_backward: sizes differ"});
  expect_error([&] { kern::clip_forward(y, a, 0, 1); }, {"clip_forward: sizes differ"});
  expect_error([&] { kern::log_softmax_rows_backward(y, y, a); }, {"log_softmax_rows_backward: sizes differ"});
  expect_error([&] { kern::axpy(y, a, 1.0); }, {"axpy: sizes differ"});
  // Same element count, different shapes: elementwise ops work on the flat arrays.
  Tensor flat = Tensor::full({6}, DType::F32, 1.0);
  EXPECT_NO_THROW(kern::add(y, flat, flat));
}

TEST(KernDispatch, BroadcastShapeMessages) {
  Tensor x = Tensor::zeros({2, 3}, DType::F32), y = Tensor::zeros({2, 3}, DType::F32);
  expect_error([&] { kern::add_row_vector(y, x, Tensor::zeros({4}, DType::F32)); },
               {"add_row_vector: bias of 4 elements for rows of 3"});
  Tensor x3 = Tensor::zeros({2, 5, 3}, DType::F32), y3 = Tensor::zeros({2, 5, 3}, DType::F32);
  expect_error([&] { kern::add_broadcast_middle(y3, x3, Tensor::zeros({5, 3}, DType::F32)); },
               {"add_broadcast_middle: needs [B, L, C] + [B, C], got [2, 5, 3] + [5, 3]"});
  Tensor s = Tensor::zeros({2, 5}, DType::F32);
  expect_error([&] { kern::sum_middle(s, x3); }, {"sum_middle: needs [B, L, C] -> [B, C], got [2, 5, 3] -> [2, 5]"});
  Tensor r = Tensor::zeros({4}, DType::F32);
  expect_error([&] { kern::sum_rows(r, x, false); }, {"sum_rows: output of 4 for rows of 3"});
}

TEST(KernDispatch, IdsMustBeInt32) {
  Tensor table = Tensor::zeros({5, 2}, DType::F32), out = Tensor::zeros({3, 2}, DType::F32);
  expect_error([&] { kern::embedding_gather(out, table, Tensor::zeros({3}, DType::I64)); },
               {"embedding_gather: ids/labels must be int32, got int64"});
  Tensor loss = Tensor::zeros({5}, DType::F32);
  expect_error([&] { kern::softmax_xent_forward(loss, table, Tensor::zeros({5}, DType::F32)); },
               {"softmax_xent_forward: ids/labels must be int32, got float32"});
}

TEST(KernDispatch, UndefinedOperandIsRejected) {
  Tensor y = Tensor::zeros({2}, DType::F32), undefined;
  expect_error([&] { kern::add(y, undefined, y); }, {"add: undefined operand"});
}

TEST(KernDispatch, OperandsOnDifferentDevicesAreRejected) {
  FakeCudaGuard guard;
  Tensor host = Tensor::zeros({2, 3}, DType::F32);
  Tensor dev = Tensor::zeros({2, 3}, DType::F32, Device::CUDA);
  expect_error([&] { kern::add(host, dev, host); }, {"add: operands on different devices (cpu and cuda)"});
  expect_error([&] { kern::gemm(dev, host, Tensor::zeros({3, 3}, DType::F32), false, true, 1, 0); },
               {"gemm: operands on different devices (cuda and cpu)"});
  expect_error([&] { kern::copy_columns(host, 0, dev, 0, 1, false); }, {"copy_columns: operands on different devices"});
  Tensor ids = Tensor::zeros({2}, DType::I32);  // host ids with a device table
  Tensor table = Tensor::zeros({4, 3}, DType::F32, Device::CUDA);
  expect_error([&] { kern::embedding_gather(dev, table, ids); }, {"embedding_gather", "cpu", "cuda"});
  Tensor loss = Tensor::zeros({2}, DType::F32, Device::CUDA);
  expect_error([&] { kern::softmax_xent_forward(loss, dev, ids); }, {"softmax_xent_forward", "cpu", "cuda"});
}

TEST(KernDispatch, CudaBackendIsFloat32Only) {
  FakeCudaGuard guard;
  Tensor d = Tensor::zeros({4}, DType::F64, Device::CUDA);
  expect_error([&] { kern::scale(d, d, 2.0); }, {"scale: the CUDA backend is float32-only"});
}

TEST(KernDispatch, CudaTensorsWithoutTheBackendFailClearly) {
#ifdef S2S_WITH_CUDA
  GTEST_SKIP() << "this build has the CUDA backend";
#else
  FakeCudaGuard guard;
  Tensor d = Tensor::zeros({4}, DType::F32, Device::CUDA);
  expect_error([&] { kern::add(d, d, d); }, {"add: this build has no CUDA backend"});
  expect_error([&] { kern::sum(d); }, {"sum: this build has no CUDA backend"});
#endif
}

}  // namespace
}  // namespace s2s
