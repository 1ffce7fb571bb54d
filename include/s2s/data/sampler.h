#pragma once
// Owns: BucketSampler, translate's training-batch source made deterministic, sharded and
// resumable.
//  - Bucket choice (every step, identical on every rank): a PhiloxStream shared by all ranks
//    draws r in [0, 1); with scale_i = (sum_{k<=i} n_k) / sum n, the bucket is min{i : scale_i > r}
//    (translate's size-proportional choice; empty buckets are never chosen).
//  - Examples: SamplingMode::Epoch (default) walks each bucket's endless sequence of epoch
//    permutations without replacement; SamplingMode::Fidelity draws with replacement, as
//    translate's random.choice, from the rank's contiguous shard. Sharding rules: s2s/data/shard.h.
//  - Determinism: batches are a function of (seed, cursor); the same bucket sequence on every
//    rank; a restored cursor reproduces the following batches exactly (same world size), and
//    in epoch mode continues the same global order on any world size.
//  - Fidelity draws: draw g (a global position, as in epoch mode) takes example
//    lo_r + floor(u_g * (hi_r - lo_r)) of the rank's shard [lo_r, hi_r), u_g uniform from Philox
//    (seed, bucket, g). Resuming on another world size stays deterministic but, the shards being
//    different, is not the draw sequence of the old world size. A rank whose shard is empty
//    (bucket smaller than the world) draws from the whole bucket.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "s2s/data/batch.h"
#include "s2s/data/cursor.h"
#include "s2s/data/dataset_file.h"
#include "s2s/data/shard.h"

namespace s2s::data {

struct SamplerOptions {
  std::string split = "train";
  std::int64_t batch_size = 64;  // per rank (the global batch is batch_size * world_size)
  int rank = 0;
  int world_size = 1;
  std::uint64_t seed = 0;
  SamplingMode mode = SamplingMode::Epoch;
  // Epoch mode: a bucket whose ids take at most this many bytes (bounded by n * (I + O) * 4) is
  // read once and kept whole, and each epoch's shard is an index into it; larger buckets are
  // streamed once per epoch keeping only this rank's shard. With one rank the shard is the
  // whole bucket, so it is always kept. Both paths give identical batches.
  std::int64_t resident_bucket_bytes = std::int64_t{64} << 20;
};

class BucketSampler {
 public:
  BucketSampler(std::shared_ptr<const Dataset> dataset, SamplerOptions options);

  Batch next();                       // one training step: shared bucket choice, this rank's batch
  Batch next_in_bucket(int bucket);   // this rank's next batch of `bucket` (no bucket draw, step unchanged)
  int choose_bucket();                // advances the shared stream (next() calls it)

  const SamplerCursor& cursor() const { return cursor_; }
  // Continues from a cursor saved by any world size (see the class comment for fidelity mode).
  // Throws if it was made for another dataset (bucket sizes) or another mode.
  void restore(const SamplerCursor& cursor);

  const SamplerOptions& options() const { return options_; }
  const std::vector<std::int64_t>& bucket_sizes() const { return sizes_; }
  const std::vector<double>& bucket_scale() const { return scale_; }
  const Dataset& dataset() const { return *dataset_; }
  std::size_t resident_bytes() const;  // memory held by loaded shards

 private:
  struct EpochShard {
    std::shared_ptr<const ShardTable> table;
    std::vector<std::uint32_t> slots;  // shard slot -> table slot; empty: the identity
    BatchExample example(std::int64_t slot) const {
      return table->example(slots.empty() ? slot : slots[static_cast<std::size_t>(slot)]);
    }
  };
  const EpochShard& epoch_shard(int bucket, std::int64_t epoch);
  bool keep_whole(int bucket) const;
  const ShardTable& fidelity_shard(int bucket);
  BatchExample example_at(int bucket, std::int64_t global_position);
  std::uint64_t stream_id(std::uint64_t kind, std::uint64_t bucket, std::uint64_t epoch) const;

  std::shared_ptr<const Dataset> dataset_;
  SamplerOptions options_;
  std::vector<std::int64_t> sizes_;
  std::vector<double> scale_;
  PhiloxStream bucket_rng_;
  SamplerCursor cursor_;
  std::vector<std::map<std::int64_t, EpochShard>> epoch_shards_;  // [bucket] epoch -> shard
  std::vector<std::shared_ptr<const ShardTable>> whole_;          // [bucket] when kept whole
  std::vector<std::unique_ptr<ShardTable>> fidelity_shards_;      // [bucket]
  std::vector<std::int64_t> fidelity_lo_;                         // [bucket] first example of the shard
};

}  // namespace s2s::data
