// Owns: synthetic full-bucket batches (see synthetic_batch.h).
#include "synthetic_batch.h"

#include "s2s/core/error.h"

namespace s2s::bench {
namespace {
constexpr std::int32_t kPad = 0, kGo = 1, kEos = 2, kFirstWord = 4;
}

model::Seq2SeqBatch full_bucket_batch(std::size_t bucket_index, const model::Bucket& bucket, std::int64_t batch,
                                      std::int64_t source_vocab, std::int64_t target_vocab, PhiloxStream& rng) {
  const auto [I, O] = bucket;
  S2S_CHECK(I >= 2 && O >= 3 && batch >= 1, "bucket (", I, ", ", O, ") with batch ", batch,
            " cannot hold a pair (need I >= 2, O >= 3)");
  S2S_CHECK(source_vocab > kFirstWord && target_vocab > kFirstWord, "vocabularies must exceed the 4 specials");
  model::Seq2SeqBatch b;
  b.bucket = bucket_index;
  b.encoder_inputs = Tensor::zeros({I, batch}, DType::I32);   // [I, B]
  b.decoder_inputs = Tensor::zeros({O, batch}, DType::I32);   // [O, B]
  b.targets = Tensor::zeros({O, batch}, DType::I32);          // [O, B]
  b.weights = Tensor::zeros({O, batch}, DType::F32);          // [O, B]
  std::int32_t* enc = b.encoder_inputs.data<std::int32_t>();
  std::int32_t* dec = b.decoder_inputs.data<std::int32_t>();
  std::int32_t* tgt = b.targets.data<std::int32_t>();
  float* w = b.weights.data<float>();
  auto word = [&rng](std::int64_t vocab) {
    return static_cast<std::int32_t>(kFirstWord + rng.below(static_cast<std::uint64_t>(vocab - kFirstWord)));
  };
  for (std::int64_t e = 0; e < batch; ++e) {
    // Encoder: reverse(source + PAD·1) = [PAD, s_{I-1} … s_1]; row 0 stays PAD.
    for (std::int64_t t = 1; t < I; ++t) enc[t * batch + e] = word(source_vocab);
    // Decoder: [GO, w_1 … w_{O-2}, EOS]; targets = decoder shifted by one, last row PAD.
    dec[0 * batch + e] = kGo;
    for (std::int64_t t = 1; t < O - 1; ++t) dec[t * batch + e] = word(target_vocab);
    dec[(O - 1) * batch + e] = kEos;
    for (std::int64_t t = 0; t < O - 1; ++t) {
      tgt[t * batch + e] = dec[(t + 1) * batch + e];
      w[t * batch + e] = 1.0f;  // t < O−1 and decoder[t+1] != PAD
    }
    tgt[(O - 1) * batch + e] = kPad;
  }
  return b;
}

BatchTokens count_tokens(const model::Seq2SeqBatch& b) {
  BatchTokens n;
  for (float v : b.weights.span<float>()) n.target += v;
  for (std::int32_t id : b.encoder_inputs.span<std::int32_t>()) n.source += id != kPad ? 1.0 : 0.0;
  return n;
}

}  // namespace s2s::bench
