// EvalBatches: each example of a split's bucket exactly once over all ranks, equal batch counts
// per rank, padding rows with zero weight.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "s2s/data/eval_batches.h"
#include "unit/data/corpus_fixture.h"

using namespace s2s;
using namespace s2s::data;

TEST(EvalBatches, WholeBucketOnceAcrossRanks) {
  test_support::TempDir dir;
  auto ds = Dataset::open(test_support::make_bucketed_dataset(dir, {13, 2, 0, 0}));
  for (int world = 1; world <= 4; ++world) {
    std::vector<std::int64_t> seen;
    for (int rank = 0; rank < world; ++rank) {
      EvalBatches it(ds, "train", 0, 4, rank, world);
      EXPECT_EQ(it.num_batches(), ((13 + world - 1) / world + 3) / 4);
      Batch b;
      std::int64_t n = 0;
      while (it.next(b)) {
        ++n;
        auto w = b.weights.to_vector<float>();
        for (std::int64_t row = 0; row < b.batch_size; ++row) {
          std::int64_t e = b.example_index[static_cast<std::size_t>(row)];
          float column_sum = 0;
          for (std::int64_t t = 0; t < b.decoder_size; ++t) column_sum += w[static_cast<std::size_t>(t * b.batch_size + row)];
          if (e < 0) {
            EXPECT_EQ(column_sum, 0.0f);  // padding row
          } else {
            EXPECT_EQ(column_sum, 3.0f);  // 2 target tokens + EOS
            seen.push_back(e);
          }
        }
      }
      EXPECT_EQ(n, it.num_batches());
    }
    std::sort(seen.begin(), seen.end());
    std::vector<std::int64_t> all(13);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(seen, all) << "world " << world;
  }
  EvalBatches empty(ds, "train", 2, 4);
  Batch b;
  EXPECT_EQ(empty.num_batches(), 0);
  EXPECT_FALSE(empty.next(b));
}
