#pragma once
// Owns: bucket definitions and translate's two bucket rules (legacy_seq2seq.md §8):
//  - training (read_data): the FIRST bucket (I, O) with len(src) < I and len(tgt) + 1 < O, both
//    strict (the +1 is the EOS appended to the target); a pair fitting none is dropped;
//  - decoding (spec §11.10), two rules:
//    - training (the default): the first bucket with I > len(src), strict, the bucket training
//      filled with sources of that length; when none has I > len, the LAST bucket;
//    - translate (decode() in translate.py): the first bucket with I >= len(src), non-strict, so
//      a source of exactly I tokens fills that bucket's encoder with no PAD, which training never
//      showed it (the quickstart's 5-symbol lines came out wrong); else the LAST bucket.
//    Either way a source longer than the last I is truncated: only its last I tokens are fed
//    ("Sentence truncated"). A source of exactly the last I fits it, untruncated, under both rules.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace s2s::data {

struct Bucket {
  std::int64_t encoder_size = 0;  // I
  std::int64_t decoder_size = 0;  // O
  bool operator==(const Bucket&) const = default;
};

std::vector<Bucket> default_buckets();                   // translate's (5,10) (10,15) (20,25) (40,50)
// "5,10:10,15:20,25:40,50" -> buckets. Each I >= 1 and O >= 3, both non-decreasing (the last
// bucket is the largest, as translate's placeholders assume). Throws naming the bad part.
std::vector<Bucket> parse_buckets(std::string_view spec);
std::string format_buckets(const std::vector<Bucket>& buckets);  // inverse of parse_buckets
void validate_buckets(const std::vector<Bucket>& buckets);

// Training bucket of a pair (target length WITHOUT the EOS), or -1 when it fits no bucket.
int train_bucket(const std::vector<Bucket>& buckets, std::int64_t source_length, std::int64_t target_length);

enum class DecodeBucketRule { Training, Translate };
std::string_view decode_bucket_rule_name(DecodeBucketRule rule);       // "training" | "translate"
DecodeBucketRule decode_bucket_rule_from_name(std::string_view name);  // throws for other names

struct DecodeBucket {
  int bucket = 0;
  bool truncated = false;  // the source is longer than the last bucket's I
};
DecodeBucket decode_bucket(const std::vector<Bucket>& buckets, std::int64_t source_length,
                           DecodeBucketRule rule = DecodeBucketRule::Training);

}  // namespace s2s::data
