// Tests that the replica helpers read no device tensor when there is no peer: check_replicas on a
// Local World, or on one rank, used to hash every parameter first (a device-to-host copy of the
// whole model at every checkpoint of a one-GPU run). Device tensors here live in host memory
// behind a counting DeviceAllocator installed for Device::CUDA (no GPU, no kernels involved).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "s2s/core/tensor.h"
#include "s2s/dist/replicas.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

class CountingAllocator : public DeviceAllocator {
 public:
  void* allocate(std::size_t bytes) override { return std::malloc(bytes == 0 ? 1 : bytes); }
  void deallocate(void* p, std::size_t) override { std::free(p); }
  void copy_to_host(void* host, const void* dev, std::size_t bytes) override {
    ++reads;
    std::memcpy(host, dev, bytes);
  }
  void copy_from_host(void* dev, const void* host, std::size_t bytes) override { std::memcpy(dev, host, bytes); }
  void copy_on_device(void* dst, const void* src, std::size_t bytes) override { std::memcpy(dst, src, bytes); }
  void fill_zero(void* dev, std::size_t bytes) override { std::memset(dev, 0, bytes); }
  int reads = 0;
};

class ReplicasOnFakeDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = device_allocator(Device::CUDA);
    set_device_allocator(Device::CUDA, &allocator_);
  }
  void TearDown() override { set_device_allocator(Device::CUDA, previous_); }
  CountingAllocator allocator_;
  DeviceAllocator* previous_ = nullptr;
};

TEST_F(ReplicasOnFakeDevice, CheckReplicasWithoutPeersReadsNothing) {
  World world(WorldOptions{.use_mpi = false, .timeout_s = {}});
  std::vector<Tensor> params = {Tensor::full({4}, DType::F32, 3.0).to(Device::CUDA),
                                Tensor::full({2, 3}, DType::F32, -1.0).to(Device::CUDA)};
  const std::vector<std::string> names = {"a", "b"};
  ASSERT_EQ(allocator_.reads, 0);
  EXPECT_NO_THROW(check_replicas(world, params, names));
  EXPECT_EQ(allocator_.reads, 0) << "check_replicas copied device tensors to the host with no peer to compare with";
  // The arguments are still checked.
  const std::vector<std::string> one_name = {"a"};
  EXPECT_THROW(check_replicas(world, params, one_name), Error);
  params.push_back(Tensor());
  EXPECT_THROW(check_replicas(world, params), Error);
  // The checksum itself still reads a device tensor (it is what the multi-rank check compares).
  EXPECT_EQ(tensor_checksum(params[0]).sum, 12.0);
  EXPECT_EQ(allocator_.reads, 1);
}

}  // namespace
}  // namespace s2s::dist
