#pragma once
// Owns: greedy decoding as translate's decode() (spec §8, §11.10): tokenise with the dataset's
// tokenizer, map to source ids, choose the bucket (by default the first with I > len, the one
// training filled; translate's first with I >= len with set_bucket_rule(Translate); else the last,
// truncated, with translate's warning), run the model with feed_previous (the loop function feeds
// each step's argmax back in-graph), take the argmax of every one of the O projected logit vectors,
// cut at the first EOS; the target tokens joined by spaces (translate's output, specials literally)
// and detokenised (detokenizer.h).
// Batched: translate_batch decodes the sentences of one bucket together, up to batch_size rows per
// forward. Rows do not interact in the model (every op is row-wise or a matrix product over the
// row's own features), so each row's result is the B = 1 result; on the CPU bit for bit (OpenBLAS
// accumulates each output element over k in the same order whatever the row count; tested in
// float32 and float64). On a GPU cuBLAS may pick another algorithm for another row count, so a
// near-tie between two logits could resolve differently there.
// translate() is translate_batch of one sentence: one code path.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/data/dataset_file.h"
#include "s2s/data/decode_input.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::decode {

struct Translation {
  std::vector<std::int32_t> ids;  // output ids before the first EOS
  std::string text;               // detokenised for the dataset's tokenizer (s2s decode's output)
  std::string tokenized;          // the tokens joined by spaces, as translate prints them
  int bucket = 0;
  std::string warning;  // "Sentence truncated..." when the input did not fit the last bucket
};

class GreedyDecoder {
 public:
  GreedyDecoder(model::Seq2SeqModel& model, const data::Dataset& dataset);
  Translation translate(std::string_view sentence);
  // One Translation per sentence, in input order, each what translate(sentence) returns. Sentences
  // are grouped by bucket; each group runs as forwards of at most `batch_size` rows (>= 1).
  std::vector<Translation> translate_batch(std::span<const std::string> sentences, std::int64_t batch_size = 64);
  // The decoder's argmax ids for an already-tokenised source (all O steps, EOS not cut).
  std::vector<std::int32_t> decode_ids(std::span<const std::int32_t> source_ids, int* bucket = nullptr,
                                       std::string* warning = nullptr);
  // Rows of one bucket decoded by one forward: [rows][O] argmax ids (EOS not cut). One device read.
  std::vector<std::vector<std::int32_t>> decode_rows(std::span<const data::DecodeInput> rows);
  // Which bucket a source goes to (buckets.h); Training unless set.
  void set_bucket_rule(data::DecodeBucketRule rule) { bucket_rule_ = rule; }

 private:
  model::Seq2SeqModel& model_;
  const data::Dataset& dataset_;
  std::vector<data::Bucket> buckets_;
  data::DecodeBucketRule bucket_rule_ = data::DecodeBucketRule::Training;
};

}  // namespace s2s::decode
