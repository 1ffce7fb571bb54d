// Tests BucketPlan's packing rules on hand-worked cases: capacity rounding, splitting a gradient
// across buckets, one open bucket per dtype, flush order, and misuse.
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/dist/bucket_plan.h"

namespace s2s::dist {
namespace {

using Seg = BucketPlan::Segment;

struct Recorder {
  std::vector<Seg> segments;
  std::vector<std::size_t> launched;
  auto on_segment() { return [this](const Seg& s) { segments.push_back(s); }; }
  auto on_full() { return [this](std::size_t b) { launched.push_back(b); }; }
};

bool same(const Seg& a, const Seg& b) {
  return a.tensor == b.tensor && a.tensor_offset == b.tensor_offset && a.bucket == b.bucket &&
         a.bucket_offset == b.bucket_offset && a.bytes == b.bytes;
}

TEST(BucketPlan, CapacityIsRoundedDownToEightBytes) {
  BucketPlan p;
  p.configure(20, {});
  EXPECT_EQ(p.capacity(), 16u);
  p.configure(3, {});
  EXPECT_EQ(p.capacity(), 8u);
  p.configure(1 << 20, {});
  EXPECT_EQ(p.capacity(), std::size_t{1} << 20);
}

TEST(BucketPlan, SplitsATensorLargerThanTheSpaceLeft) {
  // Capacity 16 B. Tensor 0: 40 B float32, tensor 1: 8 B float32. Ready order 1, 0.
  int a = 0, b = 0;
  BucketPlan p;
  p.configure(16, {{DType::F32, 40, &a}, {DType::F32, 8, &b}});
  Recorder r;
  p.add(1, r.on_segment(), r.on_full());
  EXPECT_TRUE(r.launched.empty());
  p.add(0, r.on_segment(), r.on_full());
  // bucket 0: [t1 0..8) [t0 0..8) -> full; bucket 1: t0 8..24 -> full; bucket 2: t0 24..40 -> full
  const std::vector<Seg> want = {{1, 0, 0, 0, 8}, {0, 0, 0, 8, 8}, {0, 8, 1, 0, 16}, {0, 24, 2, 0, 16}};
  ASSERT_EQ(r.segments.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(same(r.segments[i], want[i])) << i;
  EXPECT_EQ(r.launched, (std::vector<std::size_t>{0, 1, 2}));
  p.flush(r.on_segment(), r.on_full());
  EXPECT_EQ(r.launched.size(), 3u);  // nothing partial left
  EXPECT_EQ(p.buckets().size(), 3u);
}

TEST(BucketPlan, OneOpenBucketPerDtypeAndFlushInOpeningOrder) {
  int k[4];
  BucketPlan p;
  p.configure(64, {{DType::F64, 16, &k[0]}, {DType::F32, 12, &k[1]}, {DType::F64, 8, &k[2]},
                   {DType::F32, 4, &k[3]}});
  Recorder r;
  p.add(1, r.on_segment(), r.on_full());  // opens bucket 0 (float32)
  p.add(0, r.on_segment(), r.on_full());  // opens bucket 1 (float64)
  p.add(3, r.on_segment(), r.on_full());  // float32 bucket 0 at offset 12
  EXPECT_TRUE(r.launched.empty());
  p.flush(r.on_segment(), r.on_full());   // adds tensor 2 to bucket 1, then closes 0 and 1
  EXPECT_EQ(r.launched, (std::vector<std::size_t>{0, 1}));
  ASSERT_EQ(p.buckets().size(), 2u);
  EXPECT_EQ(p.buckets()[0].dtype, DType::F32);
  EXPECT_EQ(p.buckets()[0].bytes, 16u);
  EXPECT_EQ(p.buckets()[1].dtype, DType::F64);
  EXPECT_EQ(p.buckets()[1].bytes, 24u);
  EXPECT_TRUE(same(r.segments.back(), Seg{2, 0, 1, 16, 8}));
}

TEST(BucketPlan, OrderHashDependsOnOrderAndResetStartsOver) {
  int k[2];
  BucketPlan p;
  p.configure(8, {{DType::F32, 4, &k[0]}, {DType::F32, 4, &k[1]}});
  auto nop_seg = [](const Seg&) {};
  auto nop_full = [](std::size_t) {};
  p.add(0, nop_seg, nop_full);
  p.add(1, nop_seg, nop_full);
  const std::uint64_t h01 = p.order_hash();
  p.reset();
  EXPECT_FALSE(p.in_step());
  p.add(1, nop_seg, nop_full);
  p.add(0, nop_seg, nop_full);
  EXPECT_NE(p.order_hash(), h01);
  p.reset();
  p.add(0, nop_seg, nop_full);
  p.add(1, nop_seg, nop_full);
  EXPECT_EQ(p.order_hash(), h01);
}

TEST(BucketPlan, LayoutHashSeesShapesAndDtypes) {
  BucketPlan a, b, c;
  a.configure(8, {{DType::F32, 16, nullptr}});
  b.configure(8, {{DType::F32, 20, nullptr}});
  c.configure(8, {{DType::F64, 16, nullptr}});
  EXPECT_NE(a.layout_hash(), b.layout_hash());
  EXPECT_NE(a.layout_hash(), c.layout_hash());
}

TEST(BucketPlan, MisuseThrows) {
  int k[2];
  BucketPlan p;
  auto nop_seg = [](const Seg&) {};
  auto nop_full = [](std::size_t) {};
  EXPECT_THROW(p.configure(8, {{DType::I32, 4, &k[0]}}), Error);
  EXPECT_THROW(p.configure(8, {{DType::F32, 4, &k[0]}, {DType::F32, 4, &k[0]}}), Error);
  p.configure(8, {{DType::F32, 4, &k[0]}, {DType::F32, 4, &k[1]}});
  EXPECT_EQ(p.find(&k[1]), 1u);
  EXPECT_EQ(p.find(&p), BucketPlan::kNone);
  EXPECT_THROW(p.add(2, nop_seg, nop_full), Error);
  p.add(0, nop_seg, nop_full);
  EXPECT_THROW(p.add(0, nop_seg, nop_full), Error);
}

}  // namespace
}  // namespace s2s::dist
