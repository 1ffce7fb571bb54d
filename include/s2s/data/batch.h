#pragma once
// Owns: the batch layout of translate's get_batch (legacy_seq2seq.md §8), time-major:
//   encoder_inputs [I, B] int32: reverse(src + PAD*(I - len(src))) = [PAD..PAD, s_n .. s_1]
//   decoder_inputs [O, B] int32: [GO] + tgt + [EOS] + PAD.. (length O)
//   targets        [O, B] int32: targets[t] = decoder_inputs[t + 1], the last row PAD (translate
//                                feeds the extra decoder_inputs[O] = zeros)
//   weights        [O, B] float32: 0 where t == O - 1 or decoder_inputs[t + 1] == PAD, else 1
// Rows past the number of examples (a short last evaluation batch) are padding: encoder all
// PAD, decoder [GO, PAD, ..], weights all 0, so they add nothing to any loss.
#include <cstdint>
#include <span>
#include <vector>

#include "s2s/core/tensor.h"
#include "s2s/data/buckets.h"

namespace s2s::data {

struct Batch {
  int bucket = -1;
  std::int64_t encoder_size = 0;  // I
  std::int64_t decoder_size = 0;  // O
  std::int64_t batch_size = 0;    // B (rows, padding rows included)
  std::int64_t num_examples = 0;  // rows that hold an example
  Tensor encoder_inputs;          // int32 [I, B]
  Tensor decoder_inputs;          // int32 [O, B]
  Tensor targets;                 // int32 [O, B]
  Tensor weights;                 // float32 [O, B]
  std::vector<std::int64_t> example_index;  // [B] index within the bucket of its split; -1: padding
  std::vector<std::int64_t> source_line;    // [B] 1-based line of the pair in the input; -1: padding
};

struct BatchExample {
  std::span<const std::int32_t> source;  // token ids, without EOS
  std::span<const std::int32_t> target;  // token ids, without GO/EOS
  std::int64_t example_index = -1;
  std::int64_t line = -1;
};

// Lays out up to `batch_size` examples in `bucket`. append_eos = false is translate's decode
// batch (an empty target gives decoder [GO, PAD, ..]). Throws if an example is too long for the
// bucket (source > I, or GO + target + EOS > O).
Batch make_batch(const Bucket& bucket, int bucket_index, std::span<const BatchExample> examples,
                 std::int64_t batch_size, bool append_eos = true);

}  // namespace s2s::data
