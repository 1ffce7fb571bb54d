#pragma once
// Owns: translating sentences with beam search (beam_search.h) and a Seq2SeqModel: tokenise and
// choose the bucket exactly as greedy decoding does (data::prepare_decode_input, the one function
// both decoders use), encode the sources of one bucket together (up to batch_size per search),
// expand them to k beams each and run the model's incremental decoder (Seq2SeqModel::encode /
// decode_step / reorder) under the search.
// Max output length of a source (steps, EOS included): the bucket's decoder size O by default
// (what greedy decoding runs); with max_length_ratio > 0, max(1, ceil(ratio · source tokens) +
// max_length_offset), which may exceed O (the incremental decoder has no bucket length).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "s2s/data/dataset_file.h"
#include "s2s/data/decode_input.h"
#include "s2s/decode/beam_search.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::decode {

struct BeamDecodeOptions {
  BeamOptions beam;
  std::int64_t batch_size = 64;     // sources per search (rows = batch_size · k)
  double max_length_ratio = 0.0;    // 0: the bucket's O
  std::int64_t max_length_offset = 0;
  // The bucket of a source: the one training filled with its length unless Translate (greedy.h).
  data::DecodeBucketRule bucket_rule = data::DecodeBucketRule::Training;
};

struct BeamTranslation {
  std::vector<Hypothesis> hypotheses;  // best first, at most n_best
  std::vector<std::string> texts;      // one per hypothesis: detokenised text (as greedy's `text`)
  std::vector<std::string> tokenized;  // one per hypothesis: tokens joined by spaces
  int bucket = 0;
  std::string warning;  // "Sentence truncated..." as greedy decoding reports it
};

class BeamSearchDecoder {
 public:
  BeamSearchDecoder(model::Seq2SeqModel& model, const data::Dataset& dataset, BeamDecodeOptions options);
  // One BeamTranslation per sentence, in input order.
  std::vector<BeamTranslation> translate_batch(std::span<const std::string> sentences);
  // Sources already through prepare_decode_input, all of one bucket: one search.
  std::vector<std::vector<Hypothesis>> decode_inputs(std::span<const data::DecodeInput> rows);
  std::int64_t max_length(const data::DecodeInput& input) const;

 private:
  model::Seq2SeqModel& model_;
  const data::Dataset& dataset_;
  BeamDecodeOptions options_;
  std::vector<data::Bucket> buckets_;
};

}  // namespace s2s::decode
