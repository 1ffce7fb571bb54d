// Owns: EvalBatches (sequential, rank-split, padded evaluation batches).
#include "s2s/data/eval_batches.h"

#include <algorithm>
#include <vector>

#include "s2s/core/error.h"

namespace s2s::data {

EvalBatches::EvalBatches(std::shared_ptr<const Dataset> dataset, std::string split, int bucket,
                         std::int64_t batch_size, int rank, int world_size)
    : dataset_(std::move(dataset)), split_(std::move(split)), bucket_(bucket), batch_size_(batch_size) {
  S2S_CHECK(batch_size_ >= 1, "batch size ", batch_size_, " (expected >= 1)");
  S2S_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "rank ", rank, " of world size ", world_size);
  const std::int64_t n = dataset_->bucket_size(split_, bucket_), w = world_size;
  begin_ = n * rank / w;
  end_ = n * (rank + 1) / w;
  cursor_ = begin_;
  const std::int64_t largest_shard = (n + w - 1) / w;
  num_batches_ = (largest_shard + batch_size_ - 1) / batch_size_;
}

bool EvalBatches::next(Batch& batch) {
  if (done_ == num_batches_) return false;
  const std::int64_t count = std::min(batch_size_, end_ - cursor_);
  std::vector<BatchExample> examples;
  ExampleBlock block;
  if (count > 0) {
    block = dataset_->read(split_, bucket_, cursor_, count);
    for (std::int64_t i = 0; i < count; ++i) examples.push_back(block.example(i));
  }
  batch = make_batch(dataset_->buckets()[static_cast<std::size_t>(bucket_)], bucket_, examples, batch_size_);
  cursor_ += std::max<std::int64_t>(count, 0);
  ++done_;
  return true;
}

}  // namespace s2s::data
