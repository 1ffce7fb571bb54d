// Tests the NCCL reducer on one GPU without MPI (nranks = 1: NCCL refuses two ranks on one GPU),
// so the binary can be shipped to a GPU machine alone. With one rank the average is the gradient
// itself, which checks packing, splitting across buckets, the in-place ncclAllReduce(ncclAvg) and
// the unpack ordering on the compute stream. Skips when no CUDA device is usable.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "s2s/core/tensor.h"
#include "s2s/dist/nccl_reducer.h"

namespace s2s::dist {
namespace {

// A minimal DeviceAllocator so that Tensors can live on the GPU in this MPI- and kernels-free test.
class PlainCudaAllocator : public DeviceAllocator {
 public:
  void* allocate(std::size_t bytes) override {
    void* p = nullptr;
    if (cudaMalloc(&p, std::max<std::size_t>(bytes, 1)) != cudaSuccess) throw Error("cudaMalloc failed");
    return p;
  }
  void deallocate(void* p, std::size_t) override { cudaFree(p); }
  void copy_to_host(void* h, const void* d, std::size_t n) override { cudaMemcpy(h, d, n, cudaMemcpyDeviceToHost); }
  void copy_from_host(void* d, const void* h, std::size_t n) override { cudaMemcpy(d, h, n, cudaMemcpyHostToDevice); }
  void copy_on_device(void* dst, const void* src, std::size_t n) override { cudaMemcpy(dst, src, n, cudaMemcpyDeviceToDevice); }
  void fill_zero(void* d, std::size_t n) override { cudaMemset(d, 0, n); }
};

bool have_gpu() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

class NcclReducerGpu : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    if (!have_gpu()) GTEST_SKIP() << "no usable CUDA device";
    if (device_allocator(Device::CUDA) == nullptr) set_device_allocator(Device::CUDA, &allocator_);
  }
  static inline PlainCudaAllocator allocator_;
};

TEST_P(NcclReducerGpu, OneRankAverageIsIdentity) {
  NcclBootstrap boot;
  boot.broadcast_from_root = [](void*, std::size_t) {};  // one rank: nothing to send
  boot.timeout_s = 60;
  ReducerOptions options;
  options.bucket_bytes = GetParam();
  auto reducer = make_nccl_reducer(boot, options);
  EXPECT_EQ(reducer->name(), "nccl");

  std::vector<Tensor> host = {Tensor::full({33, 5}, DType::F32, 0), Tensor::full({7}, DType::F64, 0),
                              Tensor::full({1000}, DType::F32, 0)};
  for (std::size_t t = 0; t < host.size(); ++t)
    dispatch_floating(host[t].dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* p = host[t].data<T>();
      for (std::int64_t k = 0; k < host[t].numel(); ++k) p[k] = static_cast<T>((k * 5 + t) % 13) - 6;
    });
  std::vector<Tensor> grads;
  for (const Tensor& h : host) grads.push_back(h.to(Device::CUDA));
  reducer->prepare(grads);
  for (int step = 0; step < 3; ++step) {
    reducer->ready(grads[2]);
    reducer->ready(grads[0]);  // grads[1] never becomes ready: finish() must still handle it
    ReduceStats s = reducer->finish();
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    EXPECT_EQ(s.bytes, 33u * 5 * 4 + 7 * 8 + 1000 * 4);
    EXPECT_GE(s.hidden_fraction(), 0.0);
    EXPECT_LE(s.hidden_fraction(), 1.0);
    for (std::size_t t = 0; t < host.size(); ++t) {
      Tensor back = grads[t].to(Device::CPU);
      EXPECT_EQ(std::memcmp(back.raw(), host[t].raw(), host[t].nbytes()), 0) << "tensor " << t;
    }
  }
  EXPECT_EQ(reducer->totals().steps, 3u);
}

INSTANTIATE_TEST_SUITE_P(Sizes, NcclReducerGpu,
                         ::testing::Values(std::size_t{64}, std::size_t{1000}, std::size_t{1} << 20));

}  // namespace
}  // namespace s2s::dist
