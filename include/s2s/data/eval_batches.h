#pragma once
// Owns: walking a whole split bucket by bucket for evaluation (full dev-set perplexity,
// legacy_seq2seq.md §11.9), split across ranks: rank r takes the contiguous examples
// [n*r/W, n*(r+1)/W) of each bucket (one hyperslab per array), in file order, in batches of B.
// Every rank gets the same number of batches per bucket, ceil(ceil(n/W)/B); rows beyond a rank's
// examples are padding with zero weights (s2s/data/batch.h), so per-rank loss sums can be
// all-reduced and every rank runs the same number of forward passes.
#include <cstdint>
#include <memory>
#include <string>

#include "s2s/data/batch.h"
#include "s2s/data/dataset_file.h"

namespace s2s::data {

class EvalBatches {
 public:
  EvalBatches(std::shared_ptr<const Dataset> dataset, std::string split, int bucket, std::int64_t batch_size,
              int rank = 0, int world_size = 1);
  std::int64_t num_batches() const { return num_batches_; }
  std::int64_t num_examples() const { return end_ - begin_; }  // this rank's
  bool next(Batch& batch);  // false after num_batches() batches

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::string split_;
  int bucket_;
  std::int64_t batch_size_, begin_, end_, cursor_, num_batches_, done_ = 0;
};

}  // namespace s2s::data
