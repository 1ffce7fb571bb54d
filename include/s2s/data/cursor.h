#pragma once
// Owns: SamplerCursor, the whole resumable state of a BucketSampler, as a plain struct that a
// checkpoint stores (a flat key -> int64 map, or JSON).
// Why it re-shards: positions are GLOBAL (examples of a bucket consumed by all ranks together,
// in the bucket's epoch order) and do not depend on the world size or the rank; which rank takes
// which position is computed from them (s2s/data/sampler.h). Restoring a cursor on another
// world size therefore continues the same global order.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "s2s/core/philox.h"

namespace s2s::data {

enum class SamplingMode { Epoch, Fidelity };
std::string_view sampling_mode_name(SamplingMode m);          // "epoch" | "fidelity"
SamplingMode sampling_mode_from_name(std::string_view name);  // throws for other names

struct SamplerCursor {
  std::uint64_t seed = 0;
  SamplingMode mode = SamplingMode::Epoch;
  std::int64_t step = 0;                     // next() calls made (global training steps)
  std::vector<std::int64_t> positions;       // [K] global examples consumed per bucket
  std::vector<std::int64_t> bucket_sizes;    // [K] examples per bucket (checks the dataset matches)
  PhiloxStream::State bucket_rng;            // the shared bucket-choice stream

  // Whole passes over the split: floor(sum(positions) / sum(sizes)); epoch mode only.
  std::int64_t epoch() const;
  std::int64_t bucket_epoch(int bucket) const;  // positions[b] / sizes[b]

  // Flat keys: cursor_version, seed, mode, step, epoch (informational), num_buckets,
  // bucket_<b>_position, bucket_<b>_size, bucket_rng_seed, bucket_rng_stream,
  // bucket_rng_position. uint64 values are stored bit for bit in int64.
  std::map<std::string, std::int64_t> to_map() const;
  static SamplerCursor from_map(const std::map<std::string, std::int64_t>& map);  // throws on missing keys
  nlohmann::json to_json() const;
  static SamplerCursor from_json(const nlohmann::json& j);
  bool operator==(const SamplerCursor& o) const;
};

}  // namespace s2s::data
