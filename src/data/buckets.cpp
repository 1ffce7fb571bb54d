// Owns: bucket parsing/validation and the training and decoding bucket rules.
#include "s2s/data/buckets.h"

#include <charconv>

#include "s2s/core/error.h"

namespace s2s::data {

std::vector<Bucket> default_buckets() { return {{5, 10}, {10, 15}, {20, 25}, {40, 50}}; }

void validate_buckets(const std::vector<Bucket>& buckets) {
  if (buckets.empty()) S2S_FAIL("no buckets (expected at least one I,O pair)");
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const Bucket& b = buckets[i];
    if (b.encoder_size < 1 || b.decoder_size < 3)
      S2S_FAIL("bucket ", i, " (", b.encoder_size, ",", b.decoder_size,
               "): expected I >= 1 and O >= 3 (O holds GO, a token and EOS)");
    if (i > 0)
      if (b.encoder_size < buckets[i - 1].encoder_size || b.decoder_size < buckets[i - 1].decoder_size)
        S2S_FAIL("bucket ", i, " (", b.encoder_size, ",", b.decoder_size, ") is smaller than bucket ", i - 1,
                 " (expected buckets in growing order: the last one is the largest)");
  }
}

std::vector<Bucket> parse_buckets(std::string_view spec) {
  std::vector<Bucket> out;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t end = spec.find(':', start);
    if (end == std::string_view::npos) end = spec.size();
    std::string_view part = spec.substr(start, end - start);
    std::size_t comma = part.find(',');
    Bucket b;
    auto parse = [&](std::string_view text, std::int64_t& value) {
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      return ec == std::errc() && p == text.data() + text.size() && !text.empty();
    };
    if (comma == std::string_view::npos || !parse(part.substr(0, comma), b.encoder_size) ||
        !parse(part.substr(comma + 1), b.decoder_size))
      S2S_FAIL("bad bucket '", part, "' in '", spec, "' (expected I,O pairs separated by ':', e.g. 5,10:10,15)");
    out.push_back(b);
    start = end + 1;
  }
  validate_buckets(out);
  return out;
}

std::string format_buckets(const std::vector<Bucket>& buckets) {
  std::string s;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (i > 0) s += ':';
    s += std::to_string(buckets[i].encoder_size);
    s += ',';
    s += std::to_string(buckets[i].decoder_size);
  }
  return s;
}

int train_bucket(const std::vector<Bucket>& buckets, std::int64_t source_length, std::int64_t target_length) {
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (source_length < buckets[i].encoder_size && target_length + 1 < buckets[i].decoder_size)
      return static_cast<int>(i);
  return -1;
}

std::string_view decode_bucket_rule_name(DecodeBucketRule rule) {
  return rule == DecodeBucketRule::Training ? "training" : "translate";
}

DecodeBucketRule decode_bucket_rule_from_name(std::string_view name) {
  if (name == "training") return DecodeBucketRule::Training;
  if (name == "translate") return DecodeBucketRule::Translate;
  S2S_FAIL("unknown decode bucket rule '", name, "' (expected training or translate)");
}

DecodeBucket decode_bucket(const std::vector<Bucket>& buckets, std::int64_t source_length, DecodeBucketRule rule) {
  if (buckets.empty()) S2S_FAIL("decode_bucket: no buckets");
  const bool strict = rule == DecodeBucketRule::Training;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const std::int64_t I = buckets[i].encoder_size;
    if (strict ? I > source_length : I >= source_length) return {static_cast<int>(i), false};
  }
  return {static_cast<int>(buckets.size()) - 1, source_length > buckets.back().encoder_size};
}

}  // namespace s2s::data
