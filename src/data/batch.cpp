// Owns: make_batch, the one place that writes translate's get_batch layout.
#include "s2s/data/batch.h"

#include "s2s/data/vocabulary.h"

namespace s2s::data {

Batch make_batch(const Bucket& bucket, int bucket_index, std::span<const BatchExample> examples,
                 std::int64_t batch_size, bool append_eos) {
  const std::int64_t I = bucket.encoder_size, O = bucket.decoder_size, B = batch_size;
  S2S_CHECK(B >= 1, "make_batch: batch size ", B, " (expected >= 1)");
  S2S_CHECK(static_cast<std::int64_t>(examples.size()) <= B, "make_batch: ", examples.size(),
            " examples do not fit a batch of ", B);
  Batch batch;
  batch.bucket = bucket_index;
  batch.encoder_size = I;
  batch.decoder_size = O;
  batch.batch_size = B;
  batch.num_examples = static_cast<std::int64_t>(examples.size());
  batch.encoder_inputs = Tensor::zeros({I, B}, DType::I32);
  batch.decoder_inputs = Tensor::zeros({O, B}, DType::I32);
  batch.targets = Tensor::zeros({O, B}, DType::I32);
  batch.weights = Tensor::zeros({O, B}, DType::F32);
  batch.example_index.assign(static_cast<std::size_t>(B), -1);
  batch.source_line.assign(static_cast<std::size_t>(B), -1);
  std::int32_t* enc = batch.encoder_inputs.data<std::int32_t>();  // [I, B]
  std::int32_t* dec = batch.decoder_inputs.data<std::int32_t>();  // [O, B]
  std::int32_t* tgt = batch.targets.data<std::int32_t>();         // [O, B]
  float* w = batch.weights.data<float>();                          // [O, B]
  std::vector<std::int32_t> column(static_cast<std::size_t>(O));
  for (std::int64_t b = 0; b < B; ++b) {
    std::fill(column.begin(), column.end(), kPadId);
    column[0] = kGoId;
    if (b < batch.num_examples) {
      const BatchExample& ex = examples[static_cast<std::size_t>(b)];
      const auto n = static_cast<std::int64_t>(ex.source.size());
      const auto m = static_cast<std::int64_t>(ex.target.size()) + (append_eos ? 1 : 0);
      S2S_CHECK(n <= I, "example ", ex.example_index, " (line ", ex.line, "): source of ", n,
                " tokens does not fit bucket (", I, ",", O, ")");
      S2S_CHECK(1 + m <= O, "example ", ex.example_index, " (line ", ex.line, "): GO + target of ", m,
                " tokens does not fit bucket (", I, ",", O, ")");
      // reverse(src + PAD...): position t holds src[I - 1 - t] when that index is < n.
      for (std::int64_t t = 0; t < I; ++t) {
        std::int64_t k = I - 1 - t;
        if (k < n) enc[t * B + b] = ex.source[static_cast<std::size_t>(k)];
      }
      for (std::size_t k = 0; k < ex.target.size(); ++k) column[1 + k] = ex.target[k];
      if (append_eos) column[1 + ex.target.size()] = kEosId;
      batch.example_index[static_cast<std::size_t>(b)] = ex.example_index;
      batch.source_line[static_cast<std::size_t>(b)] = ex.line;
    }
    const bool padding_row = b >= batch.num_examples;
    for (std::int64_t t = 0; t < O; ++t) {
      dec[t * B + b] = column[static_cast<std::size_t>(t)];
      const std::int32_t next = t + 1 < O ? column[static_cast<std::size_t>(t + 1)] : kPadId;
      tgt[t * B + b] = next;
      w[t * B + b] = (padding_row || t == O - 1 || next == kPadId) ? 0.0f : 1.0f;
    }
  }
  return batch;
}

}  // namespace s2s::data
