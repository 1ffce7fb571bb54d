// Owns: tests of Tensor (core/tensor.h): shapes, dim-0 views sharing storage, reshape, copies,
// dtype conversion, fill, item, and the errors each misuse raises. Expected values are written
// by hand from the definitions (row-major layout).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "s2s/core/tensor.h"

namespace s2s {
namespace {

using ::testing::HasSubstr;

// Runs f, expecting an s2s::Error whose message contains every fragment.
template <class F>
void expect_error(F&& f, std::initializer_list<const char*> fragments) {
  try {
    f();
    ADD_FAILURE() << "expected s2s::Error";
  } catch (const Error& e) {
    for (const char* frag : fragments) EXPECT_THAT(e.what(), HasSubstr(frag));
  }
}

TEST(Shape, NumelAndString) {
  EXPECT_EQ(shape_numel({}), 1);
  EXPECT_EQ(shape_numel({2, 3, 4}), 24);
  EXPECT_EQ(shape_numel({5, 0, 3}), 0);
  EXPECT_EQ(shape_str({}), "[]");
  EXPECT_EQ(shape_str({2, 3}), "[2, 3]");
}

// A shape read from a file may be crafted: 2^40 * 2^40 wraps int64 (undefined behaviour before,
// found by tests/fuzz/fuzz_checkpoint); 2^61 float64 elements fit int64 but their bytes do not.
TEST(Shape, ElementOrByteCountPastInt64Throws) {
  const std::int64_t t40 = std::int64_t{1} << 40;
  try {
    (void)shape_numel({t40, t40});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("more than 2^63 elements"));
  }
  EXPECT_EQ(shape_numel({std::int64_t{1} << 31, std::int64_t{1} << 31}), std::int64_t{1} << 62);  // fits
  try {
    (void)Tensor::empty({std::int64_t{1} << 61}, DType::F64);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("more than 2^63 bytes"));
  }
}

TEST(DType, NamesRoundTripAndUnknownNameThrows) {
  for (DType t : {DType::F32, DType::F64, DType::I32, DType::I64})
    EXPECT_EQ(dtype_from_name(dtype_name(t)), t);
  EXPECT_EQ(dtype_name(DType::F32), "float32");
  EXPECT_EQ(dtype_size(DType::F64), 8u);
  EXPECT_EQ(dtype_size(DType::I32), 4u);
  expect_error([] { dtype_from_name("bfloat16"); }, {"unknown dtype 'bfloat16'"});
}

TEST(Tensor, DefaultIsUndefinedAndAccessThrows) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  expect_error([&] { t.raw(); }, {"undefined tensor"});
}

TEST(Tensor, EmptyZerosFullScalarShapes) {
  Tensor e = Tensor::empty({2, 3, 4}, DType::F32);
  EXPECT_TRUE(e.defined());
  EXPECT_EQ(e.ndim(), 3);
  EXPECT_EQ(e.numel(), 24);
  EXPECT_EQ(e.nbytes(), 96u);
  EXPECT_EQ(e.dim(0), 2);
  EXPECT_EQ(e.dim(-1), 4);
  EXPECT_EQ(e.dim(-3), 2);
  EXPECT_EQ(e.device(), Device::CPU);
  expect_error([&] { e.dim(3); }, {"dimension 3 out of range for shape [2, 3, 4]"});
  expect_error([&] { e.dim(-4); }, {"out of range"});

  Tensor z = Tensor::zeros({3, 2}, DType::F64);
  for (double v : z.span<double>()) EXPECT_EQ(v, 0.0);
  Tensor f = Tensor::full({4}, DType::I64, 7);
  EXPECT_EQ(f.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 7, 7, 7}));
  Tensor s = Tensor::scalar(DType::F32, 2.5);
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item(), 2.5);

  Tensor zero_size = Tensor::zeros({0, 5}, DType::F32);
  EXPECT_EQ(zero_size.numel(), 0);
  EXPECT_EQ(zero_size.nbytes(), 0u);
  expect_error([] { Tensor::empty({2, -1}, DType::F32); }, {"negative dimension in shape [2, -1]"});
}

TEST(Tensor, DataChecksTheElementType) {
  Tensor t = Tensor::zeros({2}, DType::F32);
  EXPECT_NO_THROW(t.data<float>());
  expect_error([&] { t.data<double>(); }, {"tensor holds float32, accessed as float64"});
  expect_error([&] { t.data<std::int32_t>(); }, {"accessed as int32"});
}

TEST(Tensor, FromVectorIsRowMajorAndChecksTheCount) {
  Tensor t = Tensor::from_vector<float>({2, 3}, {0, 1, 2, 3, 4, 5});
  const float* p = t.data<float>();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(p[i], static_cast<float>(i));
  expect_error([] { Tensor::from_vector<float>({2, 3}, {1, 2}); },
               {"from_vector: shape [2, 3] needs 6 values, got 2"});
}

TEST(Tensor, RowsIsAViewSharingStorage) {
  Tensor t = Tensor::from_vector<double>({4, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Tensor v = t.rows(1, 3);
  EXPECT_EQ(v.shape(), (Shape{2, 3}));
  EXPECT_TRUE(v.same_storage(t));
  EXPECT_EQ(v.to_vector<double>(), (std::vector<double>{3, 4, 5, 6, 7, 8}));
  v.data<double>()[0] = -1;  // writes through to the parent
  EXPECT_EQ(t.data<double>()[3], -1);
  t.data<double>()[8] = -2;  // and the parent's writes are visible in the view
  EXPECT_EQ(v.data<double>()[5], -2);
  EXPECT_EQ(t.rows(4, 4).numel(), 0);
  EXPECT_EQ(t.rows(0, 4).numel(), 12);
  expect_error([&] { t.rows(2, 5); }, {"rows [2, 5) out of range for shape [4, 3]"});
  expect_error([&] { t.rows(3, 2); }, {"out of range"});
  expect_error([&] { t.rows(-1, 1); }, {"out of range"});
  expect_error([] { Tensor::scalar(DType::F32, 1).rows(0, 1); }, {"rows() of a scalar"});
}

TEST(Tensor, IndexDropsTheLeadingAxisAndShares) {
  Tensor t = Tensor::from_vector<float>({2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Tensor s = t[1];
  EXPECT_EQ(s.shape(), (Shape{3, 2}));
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{6, 7, 8, 9, 10, 11}));
  Tensor e = s[2];  // a view of a view
  EXPECT_EQ(e.shape(), (Shape{2}));
  EXPECT_EQ(e.to_vector<float>(), (std::vector<float>{10, 11}));
  Tensor x = e[1];  // rank 0
  EXPECT_EQ(x.ndim(), 0);
  EXPECT_EQ(x.item(), 11.0);
  x.fill(42);
  EXPECT_EQ(t.data<float>()[11], 42.0f);
  EXPECT_TRUE(x.same_storage(t));
  expect_error([&] { t[2]; }, {"out of range for shape [2, 3, 2]"});
}

TEST(Tensor, ReshapeKeepsStorageAndChecksNumel) {
  Tensor t = Tensor::from_vector<float>({2, 6}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Tensor r = t.reshape({3, 2, 2});
  EXPECT_EQ(r.shape(), (Shape{3, 2, 2}));
  EXPECT_TRUE(r.same_storage(t));
  EXPECT_EQ(r[2].to_vector<float>(), (std::vector<float>{8, 9, 10, 11}));
  // A reshaped row view still addresses its own rows.
  Tensor rv = t.rows(1, 2).reshape({3, 2});
  EXPECT_EQ(rv.to_vector<float>(), (std::vector<float>{6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(Tensor::scalar(DType::F32, 3).reshape({1, 1}).shape(), (Shape{1, 1}));
  expect_error([&] { t.reshape({5, 2}); }, {"cannot reshape [2, 6] to [5, 2]"});
}

TEST(Tensor, CloneIsADeepCopy) {
  Tensor t = Tensor::from_vector<double>({2, 2}, {1, 2, 3, 4});
  Tensor c = t.clone();
  EXPECT_FALSE(c.same_storage(t));
  EXPECT_EQ(c.shape(), t.shape());
  EXPECT_EQ(c.to_vector<double>(), t.to_vector<double>());
  c.data<double>()[0] = 9;
  EXPECT_EQ(t.data<double>()[0], 1);
  // Cloning a view copies only the view.
  Tensor cv = t.rows(1, 2).clone();
  EXPECT_EQ(cv.to_vector<double>(), (std::vector<double>{3, 4}));
}

TEST(Tensor, CopyFromChecksSizeAndDtype) {
  Tensor a = Tensor::zeros({2, 3}, DType::F32);
  Tensor b = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  a.copy_from(b);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  // Copy into a view writes only those rows of the parent.
  Tensor big = Tensor::zeros({3, 3}, DType::F32);
  big.rows(1, 2).copy_from(Tensor::from_vector<float>({1, 3}, {7, 8, 9}));
  EXPECT_EQ(big.to_vector<float>(), (std::vector<float>{0, 0, 0, 7, 8, 9, 0, 0, 0}));
  expect_error([&] { a.copy_from(Tensor::zeros({2, 3}, DType::F64)); }, {"copy_from", "float64", "float32"});
  expect_error([&] { a.copy_from(Tensor::zeros({7}, DType::F32)); }, {"copy_from: [7]"});
}

TEST(Tensor, ToDtypeConverts) {
  Tensor i = Tensor::from_vector<std::int32_t>({3}, {-2, 0, 7});
  EXPECT_EQ(i.to_dtype(DType::F64).to_vector<double>(), (std::vector<double>{-2, 0, 7}));
  EXPECT_EQ(i.to_dtype(DType::I64).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-2, 0, 7}));
  Tensor d = Tensor::from_vector<double>({2}, {0.1, -2.75});
  std::vector<float> f = d.to_dtype(DType::F32).to_vector<float>();
  EXPECT_EQ(f[0], 0.1f);  // rounded to nearest
  EXPECT_EQ(f[1], -2.75f);
  EXPECT_EQ(d.to_dtype(DType::I32).to_vector<std::int32_t>(), (std::vector<std::int32_t>{0, -2}));  // truncation
  Tensor back = Tensor::from_vector<float>({1}, {0.1f}).to_dtype(DType::F64);
  EXPECT_EQ(back.item(), static_cast<double>(0.1f));  // exact widening
  EXPECT_EQ(d.to_dtype(DType::F64).same_storage(d), true);  // same dtype: no copy
  EXPECT_EQ(d.to_dtype(DType::F64).data<double>(), d.data<double>());
}

TEST(Tensor, FillAndFillZero) {
  Tensor t = Tensor::empty({2, 2}, DType::F32);
  t.fill(1.5);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1.5f, 1.5f, 1.5f, 1.5f}));
  t.rows(0, 1).fill_zero();
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 0, 1.5f, 1.5f}));
  Tensor i = Tensor::empty({3}, DType::I32);
  i.fill(-4);
  EXPECT_EQ(i.to_vector<std::int32_t>(), (std::vector<std::int32_t>{-4, -4, -4}));
}

TEST(Tensor, ItemNeedsExactlyOneElement) {
  EXPECT_EQ(Tensor::full({1, 1}, DType::F64, -3.25).item(), -3.25);
  EXPECT_EQ(Tensor::full({1}, DType::I32, 9).item(), 9.0);
  EXPECT_EQ(Tensor::full({1}, DType::I64, 1LL << 40).item(), static_cast<double>(1LL << 40));
  expect_error([] { Tensor::zeros({2}, DType::F32).item(); }, {"item() needs one element", "[2]"});
  expect_error([] { Tensor::zeros({0}, DType::F32).item(); }, {"item()"});
}

TEST(Tensor, CheckShapeAndDtypeNameTheTensor) {
  Tensor t = Tensor::zeros({2, 3}, DType::F32);
  EXPECT_NO_THROW(check_shape(t, {2, 3}, "x"));
  EXPECT_NO_THROW(check_dtype(t, DType::F32, "x"));
  expect_error([&] { check_shape(t, {3, 2}, "encoder input"); },
               {"encoder input: expected shape [3, 2], got [2, 3]"});
  expect_error([&] { check_dtype(t, DType::I32, "labels"); },
               {"labels: expected dtype int32, got float32"});
}

TEST(Tensor, DevicesWithoutAnAllocatorThrow) {
  if (device_allocator(Device::CUDA) != nullptr) GTEST_SKIP() << "a CUDA allocator is installed";
  expect_error([] { Tensor::empty({2}, DType::F32, Device::CUDA); },
               {"no allocator for device cuda"});
}

TEST(Tensor, StorageIsAlignedFor64Bytes) {
  for (std::int64_t n : {1, 3, 17, 1000}) {
    Tensor t = Tensor::empty({n}, DType::F32);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw()) % 64, 0u) << n;
  }
}

}  // namespace
}  // namespace s2s
