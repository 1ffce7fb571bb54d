#pragma once
// Owns: ModelConfig, what defines a translate model's architecture and numerics (cell, sizes,
// attention, sampled softmax, dropout, dtype, device), and Bucket.
// Does not own: parsing or validation: the option table (config/config.h) fills these fields from
// YAML and --set, and a checkpoint records them in its config text.
#include <cstdint>
#include <utility>

#include "s2s/core/dtype.h"

namespace s2s::model {

enum class CellType { Gru, Lstm };

// (encoder length I, decoder length O), as translate's `buckets`.
using Bucket = std::pair<std::int64_t, std::int64_t>;

struct ModelConfig {
  CellType cell;
  std::int64_t num_layers;
  std::int64_t size;
  std::int64_t embedding_size;      // 0: same as size
  std::int64_t num_heads;
  bool attention;                   // embedding_attention_seq2seq, else embedding_rnn_seq2seq
  std::int64_t num_samples;         // 0: full softmax
  std::int64_t source_vocab_size;   // 0: from the dataset
  std::int64_t target_vocab_size;   // 0: from the dataset
  double input_keep_prob;
  double output_keep_prob;
  bool mask_padding;
  DType dtype;
  Device device;

  std::int64_t effective_embedding_size() const { return embedding_size > 0 ? embedding_size : size; }
  // Sampled softmax only when 0 < num_samples < target vocabulary (translate's rule).
  bool use_sampled_softmax(std::int64_t target_vocab) const {
    return num_samples > 0 && num_samples < target_vocab;
  }
};

}  // namespace s2s::model
