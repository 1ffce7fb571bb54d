#pragma once
// Owns: evaluation of a model on a split (spec §8, §11.9):
//   - evaluate_full: s2s's dev perplexity. Every example of every bucket, teacher forcing, the
//     FULL softmax, no dropout; per bucket the token-level perplexity exp(Σ ce·w / Σ w), the sums
//     all-reduced over ranks (each rank evaluates its contiguous slice).
//   - evaluate_translate: translate's noisy estimate, kept for fidelity: one random batch per
//     bucket with dev data, the training loss (sampled softmax when configured), exp(loss).
// Neither changes the model's RNG streams (the softmax sampler is restored afterwards), so
// evaluation never perturbs training and resume stays exact.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "s2s/data/dataset_file.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::dist {
class World;
}

namespace s2s::eval {

struct BucketEval {
  int bucket = 0;
  std::int64_t examples = 0;  // all ranks
  double loss = 0;            // full: mean token CE; translate: the batch's sequence_loss
  double tokens = 0;          // full: target tokens (Σ weights), all ranks
  double perplexity = 0;      // exp(loss), inf when loss >= 300 (translate's rule)
};

std::vector<BucketEval> evaluate_full(model::Seq2SeqModel& model, const std::shared_ptr<const data::Dataset>& dataset,
                                      const std::string& split, std::int64_t batch_size, dist::World& world);
std::vector<BucketEval> evaluate_translate(model::Seq2SeqModel& model, const std::shared_ptr<const data::Dataset>& dataset,
                                           const std::string& split, std::int64_t batch_size, std::uint64_t seed,
                                           dist::World& world);
// Σ over the buckets, token-weighted: the whole split's perplexity.
BucketEval overall(const std::vector<BucketEval>& buckets);

}  // namespace s2s::eval
