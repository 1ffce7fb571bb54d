#pragma once
// Owns: greedy decoding exactly as translate's decode() (spec §8, §11.10): tokenise with the
// dataset's tokenizer, map to source ids, choose the first bucket with I >= len (else the last,
// truncated, with translate's warning), run the model with feed_previous (the loop function feeds
// each step's argmax back in-graph), take the argmax of every one of the O projected logit vectors,
// cut at the first EOS and print the target tokens joined by spaces (specials literally).
#include <string>
#include <string_view>
#include <vector>

#include "s2s/data/dataset_file.h"
#include "s2s/train/seq2seq_model.h"

namespace s2s::decode {

struct Translation {
  std::vector<std::int32_t> ids;  // output ids before the first EOS
  std::string text;
  int bucket = 0;
  std::string warning;  // "Sentence truncated..." when the input did not fit the last bucket
};

class GreedyDecoder {
 public:
  GreedyDecoder(train::Seq2SeqModel& model, const data::Dataset& dataset);
  Translation translate(std::string_view sentence);
  // The decoder's argmax ids for an already-tokenised source (all O steps, EOS not cut).
  std::vector<std::int32_t> decode_ids(std::span<const std::int32_t> source_ids, int* bucket = nullptr,
                                       std::string* warning = nullptr);

 private:
  train::Seq2SeqModel& model_;
  const data::Dataset& dataset_;
  std::vector<data::Bucket> buckets_;
};

}  // namespace s2s::decode
