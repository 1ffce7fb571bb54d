// Owns: beam-search translation with the model (see beam_decoder.h).
#include "s2s/decode/beam_decoder.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "s2s/autograd/bf16_copies.h"
#include "s2s/autograd/var.h"
#include "s2s/data/tokenizer.h"

namespace s2s::decode {
namespace {

class ModelStepper final : public BeamStepper {
 public:
  ModelStepper(model::Seq2SeqModel& model, nn::DecoderMemory memory) : model_(model), memory_(std::move(memory)) {}
  Tensor step(const Tensor& ids) override { return model_.decode_step(ids, memory_); }
  void reorder(const Tensor& rows, bool same_sources) override {
    memory_ = model::Seq2SeqModel::reorder(memory_, rows, same_sources);
  }
  Device device() const override { return model_.params().device(); }

 private:
  model::Seq2SeqModel& model_;
  nn::DecoderMemory memory_;
};

}  // namespace

BeamSearchDecoder::BeamSearchDecoder(model::Seq2SeqModel& model, const data::Dataset& dataset,
                                     BeamDecodeOptions options)
    : model_(model), dataset_(dataset), options_(options), buckets_(dataset.buckets()) {
  S2S_CHECK(options_.batch_size >= 1, "beam search: batch size ", options_.batch_size, " (expected >= 1)");
  S2S_CHECK(options_.max_length_ratio >= 0.0, "beam search: max length ratio ", options_.max_length_ratio,
            " (expected >= 0; 0 = the bucket's decoder size)");
}

std::int64_t BeamSearchDecoder::max_length(const data::DecodeInput& input) const {
  if (options_.max_length_ratio <= 0.0) return buckets_[static_cast<std::size_t>(input.bucket)].decoder_size;
  const double scaled = std::ceil(options_.max_length_ratio * static_cast<double>(input.source.size()));
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(scaled) + options_.max_length_offset);
}

std::vector<std::vector<Hypothesis>> BeamSearchDecoder::decode_inputs(std::span<const data::DecodeInput> rows) {
  ag::TapeScope no_tape(nullptr);
  const data::Batch batch = data::make_decode_batch(rows, buckets_);
  const auto bf16_copies = ag::bf16_operand_copies(model_.params());
  ModelStepper stepper(model_, model_.encode(model::Seq2SeqBatch::from(batch)));
  std::vector<std::int64_t> max_steps;
  for (const auto& r : rows) max_steps.push_back(max_length(r));
  return beam_search(stepper, max_steps, options_.beam);
}

std::vector<BeamTranslation> BeamSearchDecoder::translate_batch(std::span<const std::string> sentences) {
  const std::size_t n = sentences.size();
  std::vector<BeamTranslation> out(n);
  std::vector<data::DecodeInput> inputs(n);
  std::vector<std::vector<std::size_t>> by_bucket(buckets_.size());  // sentence indices, input order
  for (std::size_t i = 0; i < n; ++i) {
    const auto ids = data::sentence_to_token_ids(sentences[i], dataset_.source_vocab(), dataset_.tokenizer());
    inputs[i] = data::prepare_decode_input(ids, buckets_, options_.bucket_rule);
    out[i].bucket = inputs[i].bucket;
    out[i].warning = inputs[i].warning;
    by_bucket[static_cast<std::size_t>(inputs[i].bucket)].push_back(i);
  }
  const auto per_search = static_cast<std::size_t>(options_.batch_size);
  std::vector<data::DecodeInput> rows;
  for (const auto& members : by_bucket) {
    for (std::size_t start = 0; start < members.size(); start += per_search) {
      const std::size_t end = std::min(members.size(), start + per_search);
      rows.clear();
      for (std::size_t k = start; k < end; ++k) rows.push_back(inputs[members[k]]);
      auto decoded = decode_inputs(rows);
      for (std::size_t k = start; k < end; ++k) {
        BeamTranslation& t = out[members[k]];
        t.hypotheses = std::move(decoded[k - start]);
        for (const Hypothesis& h : t.hypotheses) {
          t.tokenized.push_back(data::ids_to_text(h.ids, dataset_.target_vocab()));
          t.texts.push_back(data::ids_to_detokenized_text(h.ids, dataset_.target_vocab(), dataset_.tokenizer()));
        }
      }
    }
  }
  return out;
}

}  // namespace s2s::decode
