#pragma once
// Owns: BLEU/chrF validation on the dev split during training (issue 13 item 7): decode the dev
// sources through a decode::Translator (greedy today; the decoder is a choice behind that
// interface), score corpus BLEU and chrF with score/ (sacrebleu's defaults).
// What is scored: the dataset stores dev pairs as token ids (docs/dataset-format.md), so the
// source sentence fed to the decoder is its tokens joined by single spaces (re-tokenising that
// text gives back the same ids), the reference is the target ids joined the same way, and the
// hypothesis is the decoder's ids joined the same way. BLEU/chrF are therefore on the TOKENISED
// text (13a tokenisation on top of the dataset tokenizer's tokens, digits normalised, UNKs as
// `_UNK`): comparable between validations of a run, not equal to sacrebleu on detokenised text.
// SentencePiece datasets (subword.h) instead use the models' decoding for all three (plain text,
// which the translator encodes back into the stored pieces for every line the model covers; a
// line with UNKs comes back with SentencePiece's ` ⁇ `), so BLEU/chrF are on detokenised text.
// Who decodes: every rank a contiguous slice of the dev sentences; the BLEU and chrF sufficient
// statistics are integer counts summed over ranks (dist/sums.h), so the scores are exact, equal on
// every rank (each takes the same best/stop decision) and independent of the world size.
// Invariant: training after a validation is bitwise the training without it (the decoder
// restores the softmax sampler; run() also restores the dropout counter).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/data/dataset_file.h"
#include "s2s/decode/translator.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::dist {
class World;
}

namespace s2s::train {

// The tokens of `ids` joined by single spaces (specials spelled as in the vocabulary).
std::string join_tokens(std::span<const std::int32_t> ids, const data::Vocabulary& vocab);
// The text validation uses for ids of one side: join_tokens, or the SentencePiece model's decoding.
std::string side_text(std::span<const std::int32_t> ids, const data::Dataset& dataset, bool source);

// Dev pairs as text (see above), bucket by bucket in file order.
struct DevSet {
  std::vector<std::string> sources, references;
  std::size_t size() const { return sources.size(); }
};
DevSet load_dev_set(const data::Dataset& dataset, std::string_view split = "dev");

struct ValidationScores {
  double bleu = 0;  // corpus BLEU, 0..100
  double chrf = 0;  // corpus chrF2, 0..100
  std::int64_t sentences = 0;       // all ranks
  std::int64_t hypothesis_tokens = 0, reference_tokens = 0;  // 13a tokens, all ranks (BLEU's lengths)
  double seconds = 0;               // wall time of this rank's decode + scoring
};

// Scores of `hypotheses` against `references` (same length), as texts already joined.
ValidationScores score_texts(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references);

class Validator {
 public:
  Validator(model::Seq2SeqModel& model, std::shared_ptr<const data::Dataset> dataset,
            std::unique_ptr<decode::Translator> translator, std::int64_t batch_size, dist::World& world);
  std::size_t dev_size() const { return dev_.size(); }
  std::string_view decoder_name() const { return translator_->name(); }
  // Decodes this rank's slice, sums the statistics over ranks (a collective: every rank calls it).
  ValidationScores run();

 private:
  model::Seq2SeqModel& model_;
  std::shared_ptr<const data::Dataset> dataset_;
  std::unique_ptr<decode::Translator> translator_;
  std::int64_t batch_size_;
  dist::World& world_;
  DevSet dev_;
  std::size_t begin_ = 0, end_ = 0;  // this rank's slice of dev_
};

}  // namespace s2s::train
