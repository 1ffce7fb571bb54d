// Owns: greedy decoding, one sentence or many (see greedy.h).
#include "s2s/decode/greedy.h"

#include <algorithm>
#include <utility>

#include "s2s/autograd/bf16_copies.h"
#include "s2s/autograd/var.h"
#include "s2s/data/tokenizer.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::decode {
namespace {
// Decoding draws nothing, but translate's decode leaves the sampler where it was whatever happens:
// restore it on every exit (an error included).
class SamplerRestore {
 public:
  explicit SamplerRestore(PhiloxStream& rng) : rng_(rng), saved_(rng.state()) {}
  ~SamplerRestore() { rng_.set_state(saved_); }
  SamplerRestore(const SamplerRestore&) = delete;
  SamplerRestore& operator=(const SamplerRestore&) = delete;

 private:
  PhiloxStream& rng_;
  PhiloxStream::State saved_;
};
}  // namespace

GreedyDecoder::GreedyDecoder(model::Seq2SeqModel& model, const data::Dataset& dataset)
    : model_(model), dataset_(dataset), buckets_(dataset.buckets()) {}

std::vector<std::vector<std::int32_t>> GreedyDecoder::decode_rows(std::span<const data::DecodeInput> rows) {
  ag::TapeScope no_tape(nullptr);
  const data::Batch batch = data::make_decode_batch(rows, buckets_);
  const model::Seq2SeqBatch mb = model::Seq2SeqBatch::from(batch);
  const std::int64_t B = batch.batch_size;
  Tensor idx;  // int32 [steps, B] on the model's device: every step's argmax, read back once
  std::int64_t steps = 0;
  {
    SamplerRestore restore(model_.sampler_rng());
    const auto bf16_copies = ag::bf16_operand_copies(model_.params());
    model::ForwardResult r = model_.forward(mb, model::ForwardMode::Decode);
    steps = static_cast<std::int64_t>(r.logits.size());
    idx = Tensor::empty({steps, B}, DType::I32, model_.params().device());
    for (std::int64_t t = 0; t < steps; ++t) {
      Tensor row = idx[t];  // [B] view
      kern::argmax_rows(row, r.logits[static_cast<std::size_t>(t)].value());  // logits [B, V]
    }
  }
  const std::vector<std::int32_t> host = idx.to_vector<std::int32_t>();  // [steps, B]
  std::vector<std::vector<std::int32_t>> out(static_cast<std::size_t>(B));
  for (std::int64_t b = 0; b < B; ++b) {
    auto& ids = out[static_cast<std::size_t>(b)];
    ids.resize(static_cast<std::size_t>(steps));
    for (std::int64_t t = 0; t < steps; ++t) ids[static_cast<std::size_t>(t)] = host[static_cast<std::size_t>(t * B + b)];
  }
  return out;
}

std::vector<std::int32_t> GreedyDecoder::decode_ids(std::span<const std::int32_t> source_ids, int* bucket,
                                                    std::string* warning) {
  const data::DecodeInput input = data::prepare_decode_input(source_ids, buckets_, bucket_rule_);
  if (bucket) *bucket = input.bucket;
  if (warning) *warning = input.warning;
  return std::move(decode_rows(std::span<const data::DecodeInput>(&input, 1))[0]);
}

std::vector<Translation> GreedyDecoder::translate_batch(std::span<const std::string> sentences,
                                                        std::int64_t batch_size) {
  S2S_CHECK(batch_size >= 1, "translate_batch: batch size ", batch_size, " (expected >= 1)");
  const std::size_t n = sentences.size();
  std::vector<Translation> out(n);
  std::vector<data::DecodeInput> inputs(n);
  std::vector<std::vector<std::size_t>> by_bucket(buckets_.size());  // sentence indices, input order
  for (std::size_t i = 0; i < n; ++i) {
    const auto ids = data::sentence_to_token_ids(sentences[i], dataset_.source_vocab(), dataset_.tokenizer());
    inputs[i] = data::prepare_decode_input(ids, buckets_, bucket_rule_);
    out[i].bucket = inputs[i].bucket;
    out[i].warning = inputs[i].warning;
    by_bucket[static_cast<std::size_t>(inputs[i].bucket)].push_back(i);
  }
  const auto rows_per_forward = static_cast<std::size_t>(batch_size);
  std::vector<data::DecodeInput> rows;
  for (const auto& members : by_bucket) {
    for (std::size_t start = 0; start < members.size(); start += rows_per_forward) {
      const std::size_t end = std::min(members.size(), start + rows_per_forward);
      rows.clear();
      for (std::size_t k = start; k < end; ++k) rows.push_back(std::move(inputs[members[k]]));
      const auto decoded = decode_rows(rows);
      for (std::size_t k = start; k < end; ++k) {
        Translation& t = out[members[k]];
        for (std::int32_t id : decoded[k - start]) {
          if (id == data::kEosId) break;
          t.ids.push_back(id);
        }
        t.tokenized = data::ids_to_text(t.ids, dataset_.target_vocab());
        t.text = data::ids_to_detokenized_text(t.ids, dataset_.target_vocab(), dataset_.tokenizer());
      }
    }
  }
  return out;
}

Translation GreedyDecoder::translate(std::string_view sentence) {
  const std::string s(sentence);
  return std::move(translate_batch(std::span<const std::string>(&s, 1), 1)[0]);
}

}  // namespace s2s::decode
