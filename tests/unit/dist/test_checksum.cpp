// Tests tensor_checksum: a bitwise hash (any flipped bit, -0.0 vs 0.0, shape-preserving byte moves
// change it; equal bytes give equal hashes) and an exact float64 sum of small integers.
#include <gtest/gtest.h>

#include <cstring>

#include "s2s/dist/replicas.h"

namespace s2s::dist {
namespace {

TEST(TensorChecksum, EqualBytesEqualHash) {
  Tensor a = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = a.clone();
  EXPECT_EQ(tensor_checksum(a).hash, tensor_checksum(b).hash);
  EXPECT_EQ(tensor_checksum(a).sum, 21.0);
}

TEST(TensorChecksum, EveryBitMatters) {
  std::vector<double> values(37);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 0.5 - 3;
  Tensor t = Tensor::from_vector<double>({37}, values);
  const std::uint64_t h = tensor_checksum(t).hash;
  auto* bytes = static_cast<unsigned char*>(t.raw());
  for (std::size_t byte = 0; byte < t.nbytes(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      bytes[byte] ^= static_cast<unsigned char>(1u << bit);
      ASSERT_NE(tensor_checksum(t).hash, h) << "byte " << byte << " bit " << bit;
      bytes[byte] ^= static_cast<unsigned char>(1u << bit);
    }
  }
  EXPECT_EQ(tensor_checksum(t).hash, h);
}

TEST(TensorChecksum, NegativeZeroAndSwappedElementsDiffer) {
  Tensor z = Tensor::zeros({5}, DType::F32);
  Tensor nz = z.clone();
  nz.data<float>()[4] = -0.0f;
  EXPECT_NE(tensor_checksum(z).hash, tensor_checksum(nz).hash);
  EXPECT_EQ(tensor_checksum(z).sum, tensor_checksum(nz).sum);
  Tensor a = Tensor::from_vector<float>({2}, {1, 2});
  Tensor b = Tensor::from_vector<float>({2}, {2, 1});
  EXPECT_NE(tensor_checksum(a).hash, tensor_checksum(b).hash);
}

TEST(TensorChecksum, IntegersAndEmpty) {
  Tensor i = Tensor::from_vector<std::int32_t>({3}, {-4, 10, 7});
  EXPECT_EQ(tensor_checksum(i).sum, 13.0);
  Tensor e = Tensor::zeros({0}, DType::F32);
  EXPECT_EQ(tensor_checksum(e).sum, 0.0);
  Tensor e2 = Tensor::zeros({0, 3}, DType::F32);
  EXPECT_EQ(tensor_checksum(e).hash, tensor_checksum(e2).hash);  // same (no) bytes
}

}  // namespace
}  // namespace s2s::dist
