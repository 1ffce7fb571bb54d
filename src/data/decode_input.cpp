// Owns: sentence -> ids, decode bucket choice and truncation, decode batch, ids -> text.
#include "s2s/data/decode_input.h"

#include <algorithm>

#include "s2s/core/error.h"
#include "s2s/data/detokenizer.h"
#include "s2s/data/subword.h"

namespace s2s::data {

std::vector<std::int32_t> sentence_to_token_ids(std::string_view sentence, const Vocabulary& vocab,
                                                const TokenizerOptions& tokenizer) {
  if (tokenizer.kind == TokenizerKind::SentencePiece) {
    S2S_CHECK(tokenizer.source_model != nullptr, "sentence_to_token_ids: no SentencePiece source model");
    return tokenizer.source_model->encode(sentence);
  }
  Tokens tokens;
  tokenize(sentence, tokenizer, tokens);
  std::vector<std::int32_t> ids(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) ids[i] = vocab.id(tokens[i]);
  return ids;
}

DecodeInput prepare_decode_input(std::span<const std::int32_t> ids, const std::vector<Bucket>& buckets,
                                 DecodeBucketRule rule) {
  DecodeInput in;
  DecodeBucket choice = decode_bucket(buckets, static_cast<std::int64_t>(ids.size()), rule);
  in.bucket = choice.bucket;
  in.truncated = choice.truncated;
  const auto I = static_cast<std::size_t>(buckets[static_cast<std::size_t>(choice.bucket)].encoder_size);
  if (choice.truncated) {
    in.source.assign(ids.end() - static_cast<std::ptrdiff_t>(I), ids.end());
    in.warning = "Sentence truncated: " + std::to_string(ids.size()) + " tokens, the largest bucket takes " +
                 std::to_string(I) + " (keeping the last " + std::to_string(I) + ")";
  } else {
    in.source.assign(ids.begin(), ids.end());
  }
  return in;
}

Batch make_decode_batch(const DecodeInput& input, const std::vector<Bucket>& buckets) {
  return make_decode_batch(std::span<const DecodeInput>(&input, 1), buckets);
}

Batch make_decode_batch(std::span<const DecodeInput> inputs, const std::vector<Bucket>& buckets) {
  S2S_CHECK(!inputs.empty(), "make_decode_batch: no inputs (expected at least one row)");
  const int bucket = inputs[0].bucket;
  S2S_CHECK(bucket >= 0 && static_cast<std::size_t>(bucket) < buckets.size(), "make_decode_batch: bucket ", bucket,
            " of ", buckets.size());
  std::vector<BatchExample> examples(inputs.size());
  for (std::size_t r = 0; r < inputs.size(); ++r) {
    S2S_CHECK(inputs[r].bucket == bucket, "make_decode_batch: row ", r, " is in bucket ", inputs[r].bucket,
              ", row 0 in bucket ", bucket, " (one batch holds one bucket)");
    examples[r].source = inputs[r].source;
  }
  const Bucket& b = buckets[static_cast<std::size_t>(bucket)];
  return make_batch(b, bucket, examples, static_cast<std::int64_t>(examples.size()), /*append_eos=*/false);
}

std::string ids_to_text(std::span<const std::int32_t> ids, const Vocabulary& vocab) {
  auto end = std::find(ids.begin(), ids.end(), kEosId);
  std::string out;
  for (auto it = ids.begin(); it != end; ++it) {
    if (it != ids.begin()) out += ' ';
    out += vocab.token(*it);
  }
  return out;
}

std::string ids_to_detokenized_text(std::span<const std::int32_t> ids, const Vocabulary& vocab,
                                    const TokenizerOptions& tokenizer) {
  if (tokenizer.kind != TokenizerKind::SentencePiece) return ids_to_detokenized_text(ids, vocab, tokenizer.kind);
  S2S_CHECK(tokenizer.target_model != nullptr, "ids_to_detokenized_text: no SentencePiece target model");
  auto end = std::find(ids.begin(), ids.end(), kEosId);
  return tokenizer.target_model->decode(ids.subspan(0, static_cast<std::size_t>(end - ids.begin())));
}

std::string ids_to_detokenized_text(std::span<const std::int32_t> ids, const Vocabulary& vocab, TokenizerKind kind) {
  S2S_CHECK(kind != TokenizerKind::SentencePiece, "ids_to_detokenized_text: SentencePiece needs its model");
  auto end = std::find(ids.begin(), ids.end(), kEosId);
  std::vector<std::string_view> tokens;
  tokens.reserve(static_cast<std::size_t>(end - ids.begin()));
  for (auto it = ids.begin(); it != end; ++it) tokens.push_back(vocab.token(*it));
  return detokenize(tokens, kind);
}

}  // namespace s2s::data
