// Prefetcher: same batches and cursors as the plain sampler; errors reach the consumer in order;
// destruction with a full queue does not hang.
#include <gtest/gtest.h>

#include <atomic>

#include "s2s/core/error.h"
#include "s2s/data/prefetch.h"
#include "unit/data/corpus_fixture.h"

using namespace s2s;
using namespace s2s::data;

TEST(Prefetch, SameBatchesAndConsumerSideCursor) {
  test_support::TempDir dir;
  auto ds = Dataset::open(test_support::make_bucketed_dataset(dir, {20, 9, 4, 0}));
  SamplerOptions o{"train", 3, 1, 2, 99, SamplingMode::Epoch};
  BucketSampler plain(ds, o);
  Prefetcher pre(std::make_unique<BucketSampler>(ds, o), 3);
  EXPECT_EQ(pre.cursor(), plain.cursor());
  for (int s = 0; s < 25; ++s) {
    Batch a = plain.next(), b = pre.next();
    ASSERT_EQ(a.bucket, b.bucket);
    EXPECT_EQ(a.example_index, b.example_index);
    EXPECT_EQ(a.encoder_inputs.to_vector<std::int32_t>(), b.encoder_inputs.to_vector<std::int32_t>());
    // The thread runs ahead, but cursor() is the state after the batch just taken.
    EXPECT_EQ(pre.cursor(), plain.cursor()) << s;
  }
}

TEST(Prefetch, ProducerErrorsArriveAfterTheBatchesBeforeThem) {
  int calls = 0;
  Prefetcher pre(
      [&calls]() -> Prefetcher::Produced {
        if (calls == 3) throw Error("disk on fire");
        Prefetcher::Produced p;
        p.batch.bucket = calls;
        p.cursor.step = ++calls;
        return p;
      },
      SamplerCursor{}, 2);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(pre.next().bucket, i);
    EXPECT_EQ(pre.cursor().step, i + 1);
  }
  for (int again = 0; again < 2; ++again) {
    try {
      pre.next();
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "disk on fire");
    }
  }
  EXPECT_EQ(pre.cursor().step, 3);
}

TEST(Prefetch, DestructionWithAFullQueueDoesNotHang) {
  std::atomic<int> made{0};
  {
    Prefetcher pre(
        [&made] {
          ++made;
          return Prefetcher::Produced{};
        },
        SamplerCursor{}, 2);
    pre.next();
    while (made.load() < 3) std::this_thread::yield();  // queue full, producer waiting
  }
  EXPECT_LE(made.load(), 4);
}
