#pragma once
// Owns: the one interface training's validation decodes through, so the decoder is a choice
// (greedy, or beam search) and callers never name a decoder class.
// A Translator turns source sentences into target ids (EOS cut), one per sentence, in input order,
// batched however the decoder likes. It must leave the model's RNG streams where they were.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/data/dataset_file.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::decode {

class Translator {
 public:
  virtual ~Translator() = default;
  // Target ids of each sentence (before the first EOS); sentences are tokenised with the dataset's
  // tokenizer and vocabulary. batch_size: rows per forward (>= 1).
  virtual std::vector<std::vector<std::int32_t>> translate_ids(std::span<const std::string> sentences,
                                                               std::int64_t batch_size) = 0;
  virtual std::string_view name() const = 0;  // "greedy", for logs
};

// The greedy decoder (greedy.h) behind the interface. `model` and `dataset` must outlive it.
std::unique_ptr<Translator> make_greedy_translator(model::Seq2SeqModel& model, const data::Dataset& dataset);
// Beam search (beam_decoder.h) with `beam_size` beams, no length penalty, the bucket's output
// length; each sentence's best hypothesis. beam_size 1 is the greedy translator.
std::unique_ptr<Translator> make_beam_translator(model::Seq2SeqModel& model, const data::Dataset& dataset,
                                                 std::int64_t beam_size);

}  // namespace s2s::decode
