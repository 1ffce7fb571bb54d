#pragma once
// Owns: translate's decode-time helpers (legacy_seq2seq.md §8 "Decode mode"):
//  - sentence -> token ids (the dataset's tokenizer and digit normalisation, the source vocab;
//    with SentencePiece the source model's encoding);
//  - the bucket (buckets.h): by default the first with I > len (the bucket training filled),
//    with DecodeBucketRule::Translate the first with I >= len (translate's decode()); else the
//    last one, and a longer source gets the warning "Sentence truncated", keeping only the LAST I
//    tokens (translate's get_batch keeps the first I of the reversed input, i.e. the last I
//    tokens, reversed);
//  - the decode batch (B = 1, empty target: decoder [GO, PAD, ..]), or several inputs of one
//    bucket as the rows of one batch (batched decoding: each row laid out as its B = 1 batch);
//  - output ids -> text: cut at the first EOS (excluded), tokens joined by spaces (translate's
//    output, `s2s decode --tokenized`) or detokenised (detokenizer.h, `s2s decode`'s default;
//    with SentencePiece the target model's decoding: plain text, no ▁ pieces);
//    specials printed literally (_UNK).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/data/batch.h"
#include "s2s/data/buckets.h"
#include "s2s/data/tokenizer.h"
#include "s2s/data/vocabulary.h"

namespace s2s::data {

std::vector<std::int32_t> sentence_to_token_ids(std::string_view sentence, const Vocabulary& vocab,
                                                const TokenizerOptions& tokenizer);

struct DecodeInput {
  int bucket = 0;
  bool truncated = false;
  std::vector<std::int32_t> source;  // what the encoder sees (the last I tokens when truncated)
  std::string warning;               // "Sentence truncated: ..." when truncated, else empty
};
DecodeInput prepare_decode_input(std::span<const std::int32_t> ids, const std::vector<Bucket>& buckets,
                                 DecodeBucketRule rule = DecodeBucketRule::Training);

Batch make_decode_batch(const DecodeInput& input, const std::vector<Bucket>& buckets);
// B = inputs.size() rows, all of inputs[0].bucket (throws if one is not, or if there are none);
// row r is column 0 of make_decode_batch(inputs[r]).
Batch make_decode_batch(std::span<const DecodeInput> inputs, const std::vector<Bucket>& buckets);

std::string ids_to_text(std::span<const std::int32_t> ids, const Vocabulary& vocab);
// The same tokens detokenised as `kind`'s output (detokenizer.h).
std::string ids_to_detokenized_text(std::span<const std::int32_t> ids, const Vocabulary& vocab, TokenizerKind kind);
// Either of the above by the dataset's tokenizer (SentencePiece: its target model decodes).
std::string ids_to_detokenized_text(std::span<const std::int32_t> ids, const Vocabulary& vocab,
                                    const TokenizerOptions& tokenizer);

}  // namespace s2s::data
