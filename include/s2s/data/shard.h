#pragma once
// Owns: the sharding rule and the in-memory shard of one bucket that one rank holds.
//
// Rule (epoch mode). Bucket b of n examples has an endless global order: the concatenation of
// epoch permutations pi_{b,0}, pi_{b,1}, ... (Fisher-Yates driven by Philox keyed by
// (seed, split, b, epoch)). Global position g is example pi_{b, g / n}[g % n]. A step on bucket
// b starting at global position P consumes positions [P, P + B*W); rank r takes the B positions
// g in that range with g = r (mod W), in increasing order. So within an epoch, rank r's shard is
// the strided slice {pi_e[j] : (e*n + j) = r (mod W)} of the epoch order: shards are disjoint,
// their union is the bucket, and neither the global order nor P depends on W, which is what
// lets a cursor resume on another world size.
//
// A rank loads only its shard of a (bucket, epoch): it reads the bucket in windows (hyperslabs)
// and keeps the examples it needs. Because a strided slice of a random permutation touches
// nearly every chunk, the rank streams the whole bucket once per epoch and keeps 1/W of it in
// memory; sequential reads of compressed chunks cost far less than random ones. In fidelity
// mode the shard is the contiguous range [n*r/W, n*(r+1)/W), read with one hyperslab per array.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "s2s/data/batch.h"
#include "s2s/data/dataset_file.h"

namespace s2s::data {

// The permutation of [0, n) for (seed, stream); identical on every rank and machine.
std::vector<std::uint32_t> philox_permutation(std::uint64_t seed, std::uint64_t stream, std::int64_t n);

// First position j in [0, n) of epoch `epoch` that belongs to `rank`: (epoch*n + j) = rank (mod W).
std::int64_t first_shard_position(std::int64_t epoch, std::int64_t n, int rank, int world_size);

// Examples of one bucket held in memory, addressed by slot (0 .. size-1) in the order they were
// requested.
class ShardTable {
 public:
  ShardTable() = default;
  // Loads the examples `wanted` (indices in the bucket, any order, no duplicates) into slots
  // 0..wanted.size()-1, reading windows of the file that contain wanted examples.
  static ShardTable load(const Dataset& dataset, const std::string& split, int bucket,
                         std::span<const std::uint32_t> wanted);
  std::int64_t size() const { return slots_; }
  BatchExample example(std::int64_t slot) const;
  std::size_t memory_bytes() const;

 private:
  // Rows are stored in increasing example order (the order they were read). 32-bit offsets and
  // lines keep the per-example overhead at 12 bytes (a whole 10M-pair bucket is mostly its ids);
  // example_index_ and slot_to_row_ stay empty when a table holds a contiguous run of examples
  // requested in order (rows = slots = examples first_ ..).
  std::vector<std::int32_t> source_ids_, target_ids_;
  std::vector<std::uint32_t> source_offsets_, target_offsets_;  // [rows + 1]
  std::vector<std::uint32_t> lines_;                            // [rows]
  std::vector<std::int64_t> example_index_;                     // [rows], or empty: first_ + row
  std::vector<std::uint32_t> slot_to_row_;                      // [slots], or empty: identity
  std::int64_t first_ = 0;
  std::int64_t slots_ = 0;
};

}  // namespace s2s::data
