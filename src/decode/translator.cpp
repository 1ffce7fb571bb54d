// Owns: the Translator adapters (see s2s/decode/translator.h).
#include "s2s/decode/translator.h"

#include "s2s/decode/beam_decoder.h"
#include "s2s/decode/greedy.h"

namespace s2s::decode {
namespace {

class GreedyTranslator final : public Translator {
 public:
  GreedyTranslator(model::Seq2SeqModel& model, const data::Dataset& dataset) : decoder_(model, dataset) {}
  std::vector<std::vector<std::int32_t>> translate_ids(std::span<const std::string> sentences,
                                                       std::int64_t batch_size) override {
    std::vector<Translation> t = decoder_.translate_batch(sentences, batch_size);
    std::vector<std::vector<std::int32_t>> out;
    out.reserve(t.size());
    for (auto& x : t) out.push_back(std::move(x.ids));
    return out;
  }
  std::string_view name() const override { return "greedy"; }

 private:
  GreedyDecoder decoder_;
};

class BeamTranslator final : public Translator {
 public:
  BeamTranslator(model::Seq2SeqModel& model, const data::Dataset& dataset, std::int64_t beam_size)
      : model_(model), dataset_(dataset), beam_size_(beam_size) {}
  std::vector<std::vector<std::int32_t>> translate_ids(std::span<const std::string> sentences,
                                                       std::int64_t batch_size) override {
    BeamDecodeOptions options;
    options.beam.beam_size = beam_size_;
    options.beam.n_best = 1;
    options.batch_size = batch_size;
    BeamSearchDecoder decoder(model_, dataset_, options);
    std::vector<std::vector<std::int32_t>> out;
    out.reserve(sentences.size());
    for (BeamTranslation& t : decoder.translate_batch(sentences)) {
      S2S_CHECK(!t.hypotheses.empty(), "beam search returned no hypothesis");
      out.push_back(std::move(t.hypotheses.front().ids));
    }
    return out;
  }
  std::string_view name() const override { return "beam"; }

 private:
  model::Seq2SeqModel& model_;
  const data::Dataset& dataset_;
  std::int64_t beam_size_;
};

}  // namespace

std::unique_ptr<Translator> make_beam_translator(model::Seq2SeqModel& model, const data::Dataset& dataset,
                                                 std::int64_t beam_size) {
  S2S_CHECK(beam_size >= 1, "beam size must be >= 1, got ", beam_size);
  if (beam_size == 1) return make_greedy_translator(model, dataset);
  return std::make_unique<BeamTranslator>(model, dataset, beam_size);
}

std::unique_ptr<Translator> make_greedy_translator(model::Seq2SeqModel& model, const data::Dataset& dataset) {
  return std::make_unique<GreedyTranslator>(model, dataset);
}

}  // namespace s2s::decode
