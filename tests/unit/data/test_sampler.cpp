// BucketSampler: coverage (every example exactly once per epoch for 1..4 simulated ranks), the
// shared size-proportional bucket choice, determinism, cursor resume, re-sharding to another
// world size (the global order is unchanged), fidelity mode, and batches that match the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <cmath>
#include <map>
#include <set>

#include "s2s/core/error.h"
#include "s2s/data/sampler.h"
#include "s2s/io/h5_file.h"
#include "unit/data/corpus_fixture.h"

using namespace s2s;
using namespace s2s::data;
using s2s::test_support::TempDir;

namespace {
using Ranks = std::vector<std::unique_ptr<BucketSampler>>;

Ranks make_ranks(const std::shared_ptr<const Dataset>& ds, int world, std::int64_t batch, std::uint64_t seed,
                 SamplingMode mode = SamplingMode::Epoch, std::int64_t resident_bytes = std::int64_t{64} << 20) {
  Ranks r;
  for (int rank = 0; rank < world; ++rank)
    r.push_back(std::make_unique<BucketSampler>(ds, SamplerOptions{"train", batch, rank, world, seed, mode, resident_bytes}));
  return r;
}

// One step on every rank: the bucket (checked equal on all ranks) and the sorted union of the
// examples taken (padding excluded).
struct Step {
  int bucket;
  std::vector<std::int64_t> examples;
  bool operator==(const Step&) const = default;
};
Step step_all(Ranks& ranks) {
  Step s{-1, {}};
  for (auto& r : ranks) {
    Batch b = r->next();
    if (s.bucket < 0) s.bucket = b.bucket;
    EXPECT_EQ(b.bucket, s.bucket) << "ranks chose different buckets";
    s.examples.insert(s.examples.end(), b.example_index.begin(), b.example_index.end());
  }
  std::sort(s.examples.begin(), s.examples.end());
  for (auto& r : ranks) EXPECT_EQ(r->cursor(), ranks[0]->cursor()) << "ranks' cursors differ";
  return s;
}

std::vector<std::int64_t> bucket_all(Ranks& ranks, int bucket) {
  std::vector<std::int64_t> out;
  for (auto& r : ranks) {
    Batch b = r->next_in_bucket(bucket);
    out.insert(out.end(), b.example_index.begin(), b.example_index.end());
  }
  return out;
}

class SamplerTest : public ::testing::Test {
 protected:
  void SetUp() override { ds_ = Dataset::open(test_support::make_bucketed_dataset(dir_, {24, 13, 7, 0})); }
  TempDir dir_;
  std::shared_ptr<const Dataset> ds_;
};
}  // namespace

TEST_F(SamplerTest, EveryExampleExactlyOncePerEpochForOneToFourRanks) {
  for (int world = 1; world <= 4; ++world) {
    const std::int64_t batch = 2;  // B*W in {2, 4, 6, 8}: each divides 24, so epochs end on a step
    Ranks ranks = make_ranks(ds_, world, batch, 5);
    std::vector<std::vector<std::int64_t>> epoch_orders;
    for (int epoch = 0; epoch < 3; ++epoch) {
      std::vector<std::int64_t> seen;
      for (int step = 0; step < 24 / (batch * world); ++step) {
        auto got = bucket_all(ranks, 0);
        seen.insert(seen.end(), got.begin(), got.end());
      }
      epoch_orders.push_back(seen);
      std::sort(seen.begin(), seen.end());
      std::vector<std::int64_t> all(24);
      std::iota(all.begin(), all.end(), 0);
      EXPECT_EQ(seen, all) << "world " << world << " epoch " << epoch;
    }
    EXPECT_NE(epoch_orders[0], epoch_orders[1]) << "epochs should be shuffled differently";
  }
}

TEST_F(SamplerTest, BucketsThatDoNotDivideTheGlobalBatchWrapIntoTheNextEpoch) {
  // Bucket 1 has 13 examples; 3 ranks x 2 = 6 per step. After L steps the first 6L global
  // positions are consumed: each example floor(6L/13) or ceil(6L/13) times, never more.
  for (int world = 1; world <= 4; ++world) {
    Ranks ranks = make_ranks(ds_, world, 2, 9);
    std::map<std::int64_t, int> count;
    const int steps = 11;
    for (int s = 0; s < steps; ++s)
      for (auto e : bucket_all(ranks, 1)) ++count[e];
    const std::int64_t consumed = steps * 2 * world;
    ASSERT_EQ(count.size(), 13u);
    for (auto [e, c] : count) {
      EXPECT_GE(c, consumed / 13) << "example " << e << " world " << world;
      EXPECT_LE(c, (consumed + 12) / 13) << "example " << e << " world " << world;
    }
  }
}

TEST_F(SamplerTest, TheGlobalBatchDoesNotDependOnTheWorldSize) {
  // Same global batch of 12 as 1x12, 2x6, 3x4, 4x3: every step takes the same bucket and the
  // same set of examples.
  Ranks reference = make_ranks(ds_, 1, 12, 21);
  std::vector<Step> expected;
  for (int s = 0; s < 25; ++s) expected.push_back(step_all(reference));
  for (int world : {2, 3, 4}) {
    Ranks ranks = make_ranks(ds_, world, 12 / world, 21);
    for (int s = 0; s < 25; ++s) EXPECT_EQ(step_all(ranks), expected[static_cast<std::size_t>(s)]) << world << " " << s;
  }
}

TEST_F(SamplerTest, SharedBucketChoiceIsSizeProportionalAndSkipsEmptyBuckets) {
  Ranks ranks = make_ranks(ds_, 1, 1, 3);
  BucketSampler& s = *ranks[0];
  const std::vector<double> scale = {24.0 / 44, 37.0 / 44, 1.0, 1.0};
  ASSERT_EQ(s.bucket_scale().size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(s.bucket_scale()[i], scale[i]);
  const int draws = 200000;
  std::vector<int> hits(4, 0);
  for (int i = 0; i < draws; ++i) ++hits[static_cast<std::size_t>(s.choose_bucket())];
  EXPECT_EQ(hits[3], 0);
  const double p[3] = {24.0 / 44, 13.0 / 44, 7.0 / 44};
  for (int b = 0; b < 3; ++b) {
    double freq = double(hits[static_cast<std::size_t>(b)]) / draws, sigma = std::sqrt(p[b] * (1 - p[b]) / draws);
    EXPECT_NEAR(freq, p[b], 5 * sigma) << "bucket " << b;
  }
}

TEST_F(SamplerTest, SameBucketOnEveryRankEveryStep) {
  Ranks ranks = make_ranks(ds_, 3, 2, 77);
  std::set<int> buckets;
  for (int s = 0; s < 200; ++s) buckets.insert(step_all(ranks).bucket);  // step_all checks equality
  EXPECT_EQ(buckets, (std::set<int>{0, 1, 2}));
}

TEST_F(SamplerTest, DeterministicFromTheSeed) {
  auto run = [&](std::uint64_t seed, SamplingMode mode) {
    Ranks r = make_ranks(ds_, 2, 3, seed, mode);
    std::vector<Step> steps;
    for (int s = 0; s < 40; ++s) steps.push_back(step_all(r));
    return steps;
  };
  for (auto mode : {SamplingMode::Epoch, SamplingMode::Fidelity}) {
    EXPECT_EQ(run(1, mode), run(1, mode));
    EXPECT_NE(run(1, mode), run(2, mode));
  }
}

TEST_F(SamplerTest, ResumeFromACursorGivesIdenticalBatches) {
  for (auto mode : {SamplingMode::Epoch, SamplingMode::Fidelity}) {
    BucketSampler a(ds_, {"train", 4, 1, 2, 13, mode});
    for (int s = 0; s < 17; ++s) a.next();
    // Through both serialised forms, as a checkpoint would store it.
    SamplerCursor saved = SamplerCursor::from_json(SamplerCursor::from_map(a.cursor().to_map()).to_json());
    EXPECT_EQ(saved, a.cursor());
    BucketSampler b(ds_, {"train", 4, 1, 2, 13, mode});
    b.restore(saved);
    for (int s = 0; s < 30; ++s) {  // crosses epoch boundaries of every bucket
      Batch x = a.next(), y = b.next();
      ASSERT_EQ(x.bucket, y.bucket) << s;
      EXPECT_EQ(x.example_index, y.example_index) << s;
      EXPECT_EQ(x.encoder_inputs.to_vector<std::int32_t>(), y.encoder_inputs.to_vector<std::int32_t>());
      EXPECT_EQ(x.decoder_inputs.to_vector<std::int32_t>(), y.decoder_inputs.to_vector<std::int32_t>());
      EXPECT_EQ(x.weights.to_vector<float>(), y.weights.to_vector<float>());
    }
    EXPECT_EQ(a.cursor(), b.cursor());
  }
}

TEST_F(SamplerTest, ReshardingKeepsTheGlobalSequence) {
  // (world, batch) before -> after with the same global batch, against one uninterrupted rank.
  struct Case { int w0; std::int64_t b0; int w1; std::int64_t b1; };
  for (Case c : {Case{4, 3, 2, 6}, Case{2, 3, 3, 2}, Case{3, 4, 4, 3}}) {
    const std::int64_t global = c.w0 * c.b0;
    Ranks reference = make_ranks(ds_, 1, global, 31);
    Ranks before = make_ranks(ds_, c.w0, c.b0, 31);
    const int k = 9, m = 20;
    for (int s = 0; s < k; ++s) EXPECT_EQ(step_all(before), step_all(reference)) << s;
    SamplerCursor cursor = SamplerCursor::from_map(before[2 % c.w0]->cursor().to_map());  // any rank's
    Ranks after = make_ranks(ds_, c.w1, c.b1, 31);
    for (auto& r : after) r->restore(cursor);
    for (int s = 0; s < m; ++s)
      EXPECT_EQ(step_all(after), step_all(reference)) << c.w0 << "->" << c.w1 << " step " << k + s;
  }
}

TEST_F(SamplerTest, ReshardingWithAnotherGlobalBatchKeepsEachBucketsOrder) {
  // 4 ranks x 2 -> 2 ranks x 2: global batches change from 8 to 4, but each bucket's examples
  // are consumed in the same global order as one rank taking 8, then 4, per step.
  Ranks reference = make_ranks(ds_, 1, 8, 41);
  Ranks before = make_ranks(ds_, 4, 2, 41);
  for (int s = 0; s < 7; ++s) EXPECT_EQ(step_all(before), step_all(reference));
  SamplerCursor cursor = before[0]->cursor();
  Ranks ref_after = make_ranks(ds_, 1, 4, 41);
  ref_after[0]->restore(reference[0]->cursor());
  Ranks after = make_ranks(ds_, 2, 2, 41);
  for (auto& r : after) r->restore(cursor);
  for (int s = 0; s < 25; ++s) EXPECT_EQ(step_all(after), step_all(ref_after)) << s;
}

TEST_F(SamplerTest, FidelityDrawsWithReplacementFromTheRanksOwnShard) {
  Ranks ranks = make_ranks(ds_, 2, 5, 8, SamplingMode::Fidelity);
  std::map<int, std::multiset<std::int64_t>> drawn;  // rank -> examples of bucket 0
  for (int s = 0; s < 200; ++s)
    for (int r = 0; r < 2; ++r) {
      Batch b = ranks[static_cast<std::size_t>(r)]->next_in_bucket(0);
      drawn[r].insert(b.example_index.begin(), b.example_index.end());
    }
  // Shards are the contiguous halves [0, 12) and [12, 24); 1000 draws over 12 examples repeat.
  EXPECT_EQ(*drawn[0].begin(), 0);
  EXPECT_EQ(*drawn[0].rbegin(), 11);
  EXPECT_EQ(*drawn[1].begin(), 12);
  EXPECT_EQ(*drawn[1].rbegin(), 23);
  for (int r = 0; r < 2; ++r) {
    std::set<std::int64_t> distinct(drawn[r].begin(), drawn[r].end());
    EXPECT_EQ(distinct.size(), 12u);
    for (auto e : distinct) EXPECT_NEAR(double(drawn[r].count(e)), 1000.0 / 12, 5 * std::sqrt(1000.0 / 12)) << e;
  }
}

TEST_F(SamplerTest, BatchRowsHoldTheExamplesOfTheFile) {
  Ranks ranks = make_ranks(ds_, 2, 3, 4);
  auto f = io::File::open(ds_->path());
  for (int s = 0; s < 10; ++s) {
    Batch b = ranks[1]->next();
    const Bucket& bucket = ds_->buckets()[static_cast<std::size_t>(b.bucket)];
    io::Group g = f.open_group("train/bucket_" + std::to_string(b.bucket));
    auto ids = g.read_vector<std::int32_t>("source_ids");
    auto off = g.read_vector<std::int64_t>("source_offsets");
    auto lines = g.read_vector<std::int64_t>("line");
    auto enc = b.encoder_inputs.to_vector<std::int32_t>();
    for (std::int64_t row = 0; row < b.batch_size; ++row) {
      auto e = static_cast<std::size_t>(b.example_index[static_cast<std::size_t>(row)]);
      EXPECT_EQ(b.source_line[static_cast<std::size_t>(row)], lines[e]);
      // The encoder column read bottom-up is the source, then PAD.
      for (std::int64_t t = 0; t < bucket.encoder_size; ++t) {
        std::int64_t k = bucket.encoder_size - 1 - t;
        std::int32_t want = k < off[e + 1] - off[e] ? ids[static_cast<std::size_t>(off[e] + k)] : kPadId;
        EXPECT_EQ(enc[static_cast<std::size_t>(t * b.batch_size + row)], want);
      }
    }
  }
}

TEST_F(SamplerTest, StreamedShardsAndWholeBucketsGiveTheSameBatches) {
  for (int world : {2, 3}) {
    Ranks whole = make_ranks(ds_, world, 3, 17, SamplingMode::Epoch, std::int64_t{1} << 40);
    Ranks streamed = make_ranks(ds_, world, 3, 17, SamplingMode::Epoch, 0);
    for (int s = 0; s < 40; ++s) {
      for (int r = 0; r < world; ++r) {
        Batch a = whole[static_cast<std::size_t>(r)]->next(), b = streamed[static_cast<std::size_t>(r)]->next();
        ASSERT_EQ(a.bucket, b.bucket);
        EXPECT_EQ(a.example_index, b.example_index) << world << " " << s << " " << r;
        EXPECT_EQ(a.decoder_inputs.to_vector<std::int32_t>(), b.decoder_inputs.to_vector<std::int32_t>());
      }
    }
  }
}

TEST_F(SamplerTest, RanksHoldOnlyTheirShard) {
  auto resident = [&](int world) {
    BucketSampler s(ds_, {"train", 1, 0, world, 6, SamplingMode::Epoch, /*resident_bucket_bytes=*/0});
    for (int b = 0; b < 3; ++b) s.next_in_bucket(b);
    return s.resident_bytes();
  };
  EXPECT_LT(resident(4), resident(1) / 2);
}

TEST_F(SamplerTest, Errors) {
  BucketSampler s(ds_, {"train", 2, 0, 1, 1, SamplingMode::Epoch});
  EXPECT_THROW(s.next_in_bucket(3), Error);  // empty bucket
  EXPECT_THROW(s.next_in_bucket(4), Error);  // no such bucket
  SamplerCursor c = s.cursor();
  c.bucket_sizes[0] += 1;
  EXPECT_THROW(s.restore(c), Error);  // another dataset
  BucketSampler f(ds_, {"train", 2, 0, 1, 1, SamplingMode::Fidelity});
  EXPECT_THROW(f.restore(s.cursor()), Error);  // another mode
  EXPECT_THROW(BucketSampler(ds_, {"train", 2, 2, 2, 1, SamplingMode::Epoch}), Error);  // rank >= world
  EXPECT_THROW(BucketSampler(ds_, {"dev", 2, 0, 1, 1, SamplingMode::Epoch}), Error);    // no dev split
  TempDir other;
  auto empty = Dataset::open(test_support::make_bucketed_dataset(other, {0, 0, 0, 0}));
  EXPECT_THROW(BucketSampler(empty, {"train", 2, 0, 1, 1, SamplingMode::Epoch}), Error);
}
