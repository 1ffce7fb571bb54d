// Owns: the Translator adapters (see s2s/decode/translator.h).
#include "s2s/decode/translator.h"

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

}  // namespace

std::unique_ptr<Translator> make_greedy_translator(model::Seq2SeqModel& model, const data::Dataset& dataset) {
  return std::make_unique<GreedyTranslator>(model, dataset);
}

}  // namespace s2s::decode
