// Owns: tests of the per-step Arena and ArenaScope (core/arena.h): bump allocation, alignment,
// reuse after reset, scoping of Tensor::empty, and the use-after-reset check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "s2s/core/arena.h"
#include "s2s/core/tensor.h"

namespace s2s {
namespace {

using ::testing::HasSubstr;

std::uintptr_t addr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST(Arena, BumpAllocatesConsecutivelyInOneBlock) {
  Arena arena(1 << 12);
  EXPECT_EQ(arena.capacity(), 0u);  // nothing reserved before the first allocation
  auto* a = static_cast<std::byte*>(arena.allocate(100, 16));
  auto* b = static_cast<std::byte*>(arena.allocate(50, 16));
  auto* c = static_cast<std::byte*>(arena.allocate(1, 1));
  EXPECT_EQ(b, a + 112);  // 100 rounded up to the next multiple of 16
  EXPECT_EQ(c, b + 50);   // alignment 1: no padding
  EXPECT_EQ(arena.bytes_in_use(), 163u);  // what the bump pointer consumed, padding included
  EXPECT_EQ(arena.peak_bytes(), 163u);
  EXPECT_EQ(arena.capacity(), std::size_t{1} << 12);
  // Allocations are disjoint and writable.
  std::fill_n(a, 100, std::byte{1});
  std::fill_n(b, 50, std::byte{2});
  EXPECT_EQ(a[99], std::byte{1});
}

TEST(Arena, HonoursEveryPowerOfTwoAlignment) {
  Arena arena(1 << 16);
  for (std::size_t align : {1u, 2u, 4u, 8u, 16u, 64u, 256u, 4096u}) {
    arena.allocate(3, 1);  // misalign the bump pointer first
    void* p = arena.allocate(10, align);
    EXPECT_EQ(addr(p) % align, 0u) << "alignment " << align;
  }
  EXPECT_EQ(addr(arena.allocate(8)) % 64, 0u);  // default alignment is 64
}

TEST(Arena, RejectsNonPowerOfTwoAlignment) {
  Arena arena(1024);
  EXPECT_THROW(arena.allocate(8, 3), Error);
  EXPECT_THROW(arena.allocate(8, 0), Error);
}

TEST(Arena, GrowsWithANewBlockWhenFull) {
  Arena arena(256);
  void* a = arena.allocate(200, 8);
  void* b = arena.allocate(200, 8);  // does not fit in the first block
  EXPECT_NE(a, b);
  EXPECT_GE(arena.capacity(), 512u);
  void* big = arena.allocate(10000, 64);  // larger than a block: gets its own
  EXPECT_EQ(addr(big) % 64, 0u);
  EXPECT_GE(arena.bytes_in_use(), 10400u);
  EXPECT_LT(arena.bytes_in_use(), 10400u + 64u);  // at most one alignment's padding
}

TEST(Arena, ResetReusesTheSameMemory) {
  Arena arena(1 << 12);
  std::set<std::uintptr_t> first;
  for (int i = 0; i < 5; ++i) first.insert(addr(arena.allocate(100)));
  arena.reset();
  const std::size_t cap = arena.capacity();
  const auto gen = arena.generation();
  EXPECT_EQ(arena.bytes_in_use(), 0u);
  // Steady state: the same sequence of allocations allocates no new block.
  for (int step = 0; step < 3; ++step) {
    for (int i = 0; i < 5; ++i) arena.allocate(100);
    EXPECT_EQ(arena.capacity(), cap) << "step " << step;
    arena.reset();
  }
  EXPECT_EQ(arena.generation(), gen + 3);
  // 100 bytes at 64-byte alignment are 128 apart; the block start may need < 64 bytes of padding.
  EXPECT_GE(arena.peak_bytes(), 4 * 128u + 100u);
  EXPECT_LT(arena.peak_bytes(), 4 * 128u + 100u + 64u);
}

TEST(Arena, ResetAfterOverflowKeepsOneBlockBigEnoughForThePeak) {
  Arena arena(256);
  for (int i = 0; i < 10; ++i) arena.allocate(200, 8);  // 10 blocks
  arena.reset();
  const std::size_t cap = arena.capacity();
  EXPECT_GE(cap, 2000u);
  for (int i = 0; i < 10; ++i) arena.allocate(200, 8);
  EXPECT_EQ(arena.capacity(), cap);  // the next step fits in the kept block
}

TEST(Arena, SteadyStateIsAllocationFreeEvenWhenPaddingDominates) {
  // 100 allocations of 4 bytes at 64-byte alignment consume 6400 bytes of block space although
  // only 400 bytes are requested: reset() must size the kept block by what was consumed.
  Arena arena(1024);
  auto step = [&] {
    for (int i = 0; i < 100; ++i) arena.allocate(4, 64);
  };
  step();
  arena.reset();
  const std::size_t cap = arena.capacity();
  for (int s = 0; s < 3; ++s) {
    step();
    EXPECT_EQ(arena.capacity(), cap) << "step " << s << " needed a new block";
    arena.reset();
  }
}

TEST(ArenaScope, RoutesTensorAllocationsAndNests) {
  Arena arena(1 << 16);
  EXPECT_EQ(Arena::current(), nullptr);
  {
    ArenaScope scope(&arena);
    EXPECT_EQ(Arena::current(), &arena);
    Tensor t = Tensor::empty({10}, DType::F32);
    const std::size_t used = arena.bytes_in_use();
    EXPECT_GE(used, 40u);
    EXPECT_LT(used, 40u + 64u);  // the block start may need padding to 64 bytes
    EXPECT_EQ(addr(t.raw()) % 64, 0u);
    {
      ArenaScope suspend(nullptr);  // parameters etc. are created outside the arena
      EXPECT_EQ(Arena::current(), nullptr);
      Tensor p = Tensor::empty({10}, DType::F32);
      EXPECT_EQ(arena.bytes_in_use(), used);
    }
    EXPECT_EQ(Arena::current(), &arena);
  }
  EXPECT_EQ(Arena::current(), nullptr);
}

TEST(ArenaScope, TensorUsedAfterResetThrows) {
  Arena arena(1 << 16);
  Tensor outside = Tensor::full({4}, DType::F32, 1.0);
  Tensor inside;
  {
    ArenaScope scope(&arena);
    inside = Tensor::full({4}, DType::F32, 2.0);
    EXPECT_EQ(inside.to_vector<float>(), (std::vector<float>{2, 2, 2, 2}));
  }
  EXPECT_NO_THROW(inside.data<float>());  // still valid: no reset yet
  arena.reset();
  try {
    inside.data<float>();
    ADD_FAILURE() << "expected s2s::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("tensor used after its step arena was reset"));
  }
  EXPECT_THROW(inside.rows(0, 2).fill(0), Error);  // views too
  EXPECT_THROW(inside.clone(), Error);
  EXPECT_EQ(outside.to_vector<float>(), (std::vector<float>{1, 1, 1, 1}));  // heap tensors unaffected
}

}  // namespace
}  // namespace s2s
