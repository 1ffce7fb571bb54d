// Owns: the Prefetcher thread and its bounded queue.
#include "s2s/data/prefetch.h"

#include "s2s/core/error.h"

namespace s2s::data {

Prefetcher::Prefetcher(std::unique_ptr<BucketSampler> sampler, std::size_t depth) : depth_(depth) {
  S2S_CHECK(sampler != nullptr, "Prefetcher: no sampler");
  S2S_CHECK(depth_ >= 1, "Prefetcher: depth ", depth_, " (expected >= 1)");
  sampler_ = std::move(sampler);
  consumed_ = sampler_->cursor();
  BucketSampler* s = sampler_.get();
  producer_ = [s] {
    Produced p;
    p.batch = s->next();
    p.cursor = s->cursor();
    return p;
  };
  thread_ = std::thread([this] { run(); });
}

Prefetcher::Prefetcher(Producer producer, SamplerCursor initial, std::size_t depth)
    : producer_(std::move(producer)), depth_(depth), consumed_(std::move(initial)) {
  S2S_CHECK(producer_ != nullptr, "Prefetcher: no producer");
  S2S_CHECK(depth_ >= 1, "Prefetcher: depth ", depth_, " (expected >= 1)");
  thread_ = std::thread([this] { run(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  not_full_.notify_all();
  thread_.join();
}

void Prefetcher::run() {
  while (true) {
    Item item;
    try {
      Produced p = producer_();
      item.batch = std::move(p.batch);
      item.cursor = std::move(p.cursor);
    } catch (...) {
      item.error = std::current_exception();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return stop_ || queue_.size() < depth_; });
    if (stop_) return;
    bool failed = item.error != nullptr;
    queue_.push_back(std::move(item));
    lock.unlock();
    not_empty_.notify_one();
    if (failed) return;  // the sampler's state is unknown after an error: make nothing more
  }
}

Batch Prefetcher::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (error_) std::rethrow_exception(error_);
  not_empty_.wait(lock, [&] { return !queue_.empty(); });
  Item item = std::move(queue_.front());
  queue_.pop_front();
  if (item.error) {
    error_ = item.error;
    std::rethrow_exception(error_);
  }
  consumed_ = item.cursor;
  lock.unlock();
  not_full_.notify_one();
  return std::move(item.batch);
}

SamplerCursor Prefetcher::cursor() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return consumed_;
}

}  // namespace s2s::data
