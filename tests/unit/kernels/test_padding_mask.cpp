// Tests: kern::padding_mask (kernels/mask.h): column `position` of the mask is 0 where the id is
// the pad id and 1 elsewhere, other columns untouched, in both float dtypes; bad arguments throw.
#include <gtest/gtest.h>

#include <vector>

#include "s2s/core/error.h"
#include "s2s/kernels/mask.h"

namespace s2s::test {
namespace {

TEST(PaddingMask, WritesOneColumnFromTheIds) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor mask = Tensor::full({4, 3}, dt, 7.0);  // 7 = untouched
    const Tensor ids = Tensor::from_vector<std::int32_t>({4}, {0, 5, 0, -1});
    kern::padding_mask(mask, 1, ids, 0);
    EXPECT_EQ(mask.to_dtype(DType::F64).to_vector<double>(),
              (std::vector<double>{7, 0, 7, 7, 1, 7, 7, 0, 7, 7, 1, 7}))
        << dtype_name(dt);
    kern::padding_mask(mask, 2, ids, 5);  // any pad id
    EXPECT_EQ(mask.to_dtype(DType::F64).to_vector<double>(),
              (std::vector<double>{7, 0, 1, 7, 1, 0, 7, 0, 1, 7, 1, 1}))
        << dtype_name(dt);
  }
}

TEST(PaddingMask, RejectsBadArguments) {
  Tensor mask = Tensor::zeros({2, 3}, DType::F32);
  const Tensor ids = Tensor::from_vector<std::int32_t>({2}, {1, 0});
  EXPECT_THROW(kern::padding_mask(mask, 3, ids, 0), Error) << "position past the end";
  EXPECT_THROW(kern::padding_mask(mask, -1, ids, 0), Error);
  EXPECT_THROW(kern::padding_mask(mask, 0, Tensor::from_vector<std::int32_t>({3}, {1, 2, 3}), 0), Error)
      << "one id per row";
  EXPECT_THROW(kern::padding_mask(mask, 0, Tensor::from_vector<float>({2}, {1, 0}), 0), Error) << "ids are int32";
  Tensor flat = Tensor::zeros({6}, DType::F32);
  EXPECT_THROW(kern::padding_mask(flat, 0, ids, 0), Error) << "the mask is 2-D";
}

}  // namespace
}  // namespace s2s::test
