#pragma once
// Owns: the benchmark's synthetic batches in translate's get_batch layout (spec §8), time-major.
// Every pair fills its bucket: the source has I−1 tokens and the target O−2 tokens plus EOS (the
// longest pair read_data puts in bucket (I, O)), with ids drawn uniformly from [4, V).
// Why full buckets: legacy_seq2seq runs every time step whatever the padding (no masking,
// static_rnn has no sequence_length), so the step's work does not depend on the lengths; only the
// token count does. Full buckets make that count a function of the bucket alone
// (target tokens = B·(O−1) = Σ weights, source tokens = B·(I−1)), the same in the PyTorch peer.
#include <cstdint>

#include "s2s/core/philox.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::bench {

model::Seq2SeqBatch full_bucket_batch(std::size_t bucket_index, const model::Bucket& bucket, std::int64_t batch,
                                      std::int64_t source_vocab, std::int64_t target_vocab, PhiloxStream& rng);

// Tokens in one such batch: target = Σ weights, source = non-PAD encoder entries.
struct BatchTokens {
  double target = 0;
  double source = 0;
};
BatchTokens count_tokens(const model::Seq2SeqBatch& b);

}  // namespace s2s::bench
