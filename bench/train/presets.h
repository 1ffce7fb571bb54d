#pragma once
// Owns: the model presets of the training benchmark (s2s_bench_train) and of its PyTorch peer
// (bench/peers/torch_seq2seq.py keeps the same table; change both together):
//   tiny      1×64 GRU, vocab 1000/1000, full softmax, batch 32, bucket (10,15)
//   small     2×256 GRU, vocab 10000/10000, sampled softmax 512, batch 64, buckets (10,15) (20,25)
//   translate 3×1024 GRU, vocab 40000/40000, sampled softmax 512, batch 64, translate's 4 buckets
// All: embedding_attention_seq2seq, 1 head, embedding size = size, float32, no dropout, SGD at
// lr 0.5 with global-norm clipping at 5.0 (translate's defaults, spec §8).
#include <cstdint>
#include <string>
#include <vector>

#include "s2s/config/config.h"

namespace s2s::bench {

struct BenchPreset {
  std::string name;
  model::ModelConfig model;
  std::int64_t source_vocab = 0;
  std::int64_t target_vocab = 0;
  std::int64_t batch = 0;
  std::vector<model::Bucket> buckets;
  double learning_rate = 0.5;
  double max_gradient_norm = 5.0;
};

// "tiny", "small", "translate"; throws s2s::Error naming the known presets for anything else.
BenchPreset find_preset(const std::string& name);
std::vector<std::string> preset_names();
// A preset from an `s2s train` YAML config (+ overrides): its model, optim and batch settings and
// data.buckets; the vocabulary sizes must be set in the config (the benchmark has no dataset).
BenchPreset preset_from_config(const std::string& path, const std::vector<std::string>& overrides);

}  // namespace s2s::bench
