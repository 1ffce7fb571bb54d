#pragma once
// Owns: `s2s prepare --buckets auto[:N]`: choosing N buckets from the (source, target) length
// distribution of the training pairs, dropping at most a given share of them.
// The rule (docs/dataset-format.md, "Automatic buckets"), on token counts s, t of each pair:
//  - a pair needs an encoder size a = s + 1 and a decoder size b = t + 2 (train_bucket: s < I,
//    t + 1 < O); m pairs, `allowed` = floor(drop_share * m) of them may fit no bucket;
//  - the largest bucket (I_N, O_N): for every candidate I (each a that occurs) the smallest O
//    with at most `allowed` pairs having a > I or b > O; of these the smallest area I * O (ties:
//    the smaller I). Only pairs outside it are dropped;
//  - the others, k = 1 .. N-1: over the K pairs inside the largest bucket, I_k = the
//    ceil(k * K / N)-th smallest a, O_k = the ceil(k * K / N)-th smallest b (marginal quantiles,
//    so each bucket's limits hold about k/N of the pairs); O is at least 3 (GO, a token, EOS);
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
