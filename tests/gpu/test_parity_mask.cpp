// Parity of the CUDA padding mask (kernels/mask.h) with the CPU kernel, bit for bit: batches from
// one partial block to several blocks, every column position, pad ids that occur or not; the other
// columns keep their (poisoned) contents; guards; the Tensor-level entry; bad arguments.
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/mask.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("padding_mask");

class PaddingMaskParity : public CudaTest {};

TEST_F(PaddingMaskParity, ColumnsAreBitIdentical) {
  for (std::int64_t batch : {1, 7, 256, 1000})
    for (std::int64_t length : {1, 5, 40}) {
      std::vector<std::int32_t> ids(static_cast<std::size_t>(batch));
      for (std::int64_t b = 0; b < batch; ++b) ids[static_cast<std::size_t>(b)] = static_cast<std::int32_t>((b * 7) % 5);
      DeviceArray<std::int32_t> dev_ids(ids);
      auto mask = DeviceArray<float>::poisoned(batch * length);
      std::vector<float> want = mask.read();  // the poison, where no column is written
      for (std::int64_t position : {std::int64_t{0}, length / 2, length - 1})
        for (std::int32_t pad : {0, 3, 9}) {
          S2S_CUDA_OP(padding_mask)(mask.ptr(), dev_ids.ptr(), batch, length, position, pad);
          cpu::padding_mask<float>(want.data(), ids.data(), batch, length, position, pad);
          const std::string what = "B=" + std::to_string(batch) + " L=" + std::to_string(length) + " position " +
                                   std::to_string(position) + " pad " + std::to_string(pad);
          ASSERT_TRUE(bitwise_equal(mask.read(), want)) << what;
          ASSERT_TRUE(mask.guards_intact("mask")) << what;
        }
    }
}

TEST_F(PaddingMaskParity, TensorEntryOnDeviceTensors) {
  Tensor mask = Tensor::zeros({3, 2}, DType::F32, Device::CUDA);
  const Tensor ids = Tensor::from_vector<std::int32_t>({3}, {0, 4, 0}).to(Device::CUDA);
  kern::padding_mask(mask, 1, ids, 0);
  EXPECT_TRUE(bitwise_equal(mask.to_vector<float>(), {0, 0, 0, 1, 0, 0}));
  EXPECT_THROW(kern::padding_mask(mask, 0, ids.to(Device::CPU), 0), Error) << "host ids for a device mask";
}

TEST_F(PaddingMaskParity, BadArgumentsThrow) {
  S2S_CUDA_OP(padding_mask)(nullptr, nullptr, 0, 4, 0, 0);  // empty batch: nothing to do
  DeviceArray<float> mask(std::vector<float>(6, 0.0f));
  DeviceArray<std::int32_t> ids(std::vector<std::int32_t>{1, 2});
  EXPECT_THROW(S2S_CUDA_OP(padding_mask)(mask.ptr(), ids.ptr(), 2, 3, 3, 0), Error) << "position past the end";
  EXPECT_THROW(S2S_CUDA_OP(padding_mask)(mask.ptr(), nullptr, 2, 3, 0, 0), Error);
  EXPECT_THROW(S2S_CUDA_OP(padding_mask)(mask.ptr(), ids.ptr(), -1, 3, 0, 0), Error);
}

}  // namespace
}  // namespace s2s::test
