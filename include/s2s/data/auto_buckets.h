#pragma once
// Owns: `s2s prepare --buckets auto[:N]`: choosing N buckets from the (source, target) length
// distribution of the training pairs, dropping at most a given share of them.
// The rule (docs/dataset-format.md, "Automatic buckets"), on token counts s, t of each pair:
//  - a pair needs an encoder size a = s + 1 and a decoder size b = t + 2 (train_bucket: s < I,
//    t + 1 < O); m pairs, `allowed` = floor(drop_share * m) of them may fit no bucket;
//  - best corner (need, limit): over every candidate I <= limit's I (each a that occurs), the
//    smallest O <= limit's O with at least `need` pairs having a <= I and b <= O (O >= 3, which
//    holds GO, a token and EOS); of these the smallest area I * O (ties: the smaller I);
//  - the largest bucket N: the best corner holding m - allowed pairs, no limit. Only the pairs
//    outside it are dropped; K pairs are kept;
//  - buckets k = N-1 down to 1: the best corner holding ceil(k * K / N) pairs, limited to bucket
//    k+1 (so sizes never decrease and bucket k's limits hold about k/N of the kept pairs);
//  - a bucket equal to the next one is removed (fewer buckets when the lengths are few).
// Pure function of the histogram: no I/O, no randomness.
#include <cstdint>
#include <string_view>
#include <vector>

#include "s2s/data/buckets.h"

namespace s2s::data {

struct AutoBucketOptions {
  int count = 4;              // N
  double drop_share = 0.01;   // at most this share of the training pairs fits no bucket
};

// "auto" or "auto:N" -> true and options.count set (auto: unchanged); false for any other spec.
bool parse_auto_buckets(std::string_view spec, AutoBucketOptions& options);

// (source tokens, target tokens) of pairs, with multiplicities.
class LengthHistogram {
 public:
  void add(std::int64_t source_length, std::int64_t target_length, std::int64_t count = 1);
  std::int64_t pairs() const { return pairs_; }
  struct Entry {
    std::int64_t source, target, count;
  };
  std::vector<Entry> entries() const;  // sorted by (source, target)

 private:
  std::vector<Entry> raw_;  // merged on entries(); appended in bulk otherwise
  std::int64_t pairs_ = 0;
  void compact();
};

std::vector<Bucket> choose_buckets(const LengthHistogram& lengths, const AutoBucketOptions& options);

}  // namespace s2s::data
