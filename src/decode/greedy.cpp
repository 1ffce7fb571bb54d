// Owns: greedy decoding (see greedy.h).
#include "s2s/decode/greedy.h"

#include "s2s/autograd/var.h"
#include "s2s/data/decode_input.h"
#include "s2s/data/tokenizer.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::decode {

GreedyDecoder::GreedyDecoder(train::Seq2SeqModel& model, const data::Dataset& dataset)
    : model_(model), dataset_(dataset), buckets_(dataset.buckets()) {}

std::vector<std::int32_t> GreedyDecoder::decode_ids(std::span<const std::int32_t> source_ids, int* bucket,
                                                    std::string* warning) {
  ag::TapeScope no_tape(nullptr);
  const data::DecodeInput input = data::prepare_decode_input(source_ids, buckets_);
  const data::Batch batch = data::make_decode_batch(input, buckets_);
  if (bucket) *bucket = input.bucket;
  if (warning) *warning = input.warning;
  const train::Seq2SeqBatch mb = train::Seq2SeqBatch::from(batch);
  const auto saved = model_.sampler_rng().state();
  const auto bf16_copies = model_.bf16_parameter_copies();
  train::ForwardResult r = model_.forward(mb, train::ForwardMode::Decode);
  model_.sampler_rng().set_state(saved);
  std::vector<std::int32_t> out;
  out.reserve(r.logits.size());
  Tensor idx = Tensor::empty({1}, DType::I32, model_.params().device());
  for (const ag::Var& logits : r.logits) {
    kern::argmax_rows(idx, logits.value());
    out.push_back(idx.to_vector<std::int32_t>()[0]);
  }
  return out;
}

Translation GreedyDecoder::translate(std::string_view sentence) {
  Translation t;
  const auto ids = data::sentence_to_token_ids(sentence, dataset_.source_vocab(), dataset_.tokenizer());
  std::vector<std::int32_t> out = decode_ids(ids, &t.bucket, &t.warning);
  for (std::int32_t id : out) {
    if (id == data::kEosId) break;
    t.ids.push_back(id);
  }
  t.text = data::ids_to_text(t.ids, dataset_.target_vocab());
  return t;
}

}  // namespace s2s::decode
