#pragma once
// Owns: Prefetcher, a thread that runs a BucketSampler ahead of the training loop into a bounded
// queue, so reading and batch layout overlap compute. Each queued batch carries the cursor
// reached after it, so cursor() is the state after the last batch the CONSUMER took (what a
// checkpoint must save), not the sampler's run-ahead state. An exception in the thread is
// delivered to the consumer by next(), in order, after the batches made before it.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "s2s/data/sampler.h"

namespace s2s::data {

class Prefetcher {
 public:
  struct Produced {
    Batch batch;
    SamplerCursor cursor;  // the producer's state after this batch
  };
  using Producer = std::function<Produced()>;

  // Runs sampler->next() ahead (the Prefetcher owns the sampler: nobody else may touch it).
  explicit Prefetcher(std::unique_ptr<BucketSampler> sampler, std::size_t depth = 4);
  // Any producer (a wrapped sampler, a test double); `initial` is cursor() before any batch.
  Prefetcher(Producer producer, SamplerCursor initial, std::size_t depth = 4);
  ~Prefetcher();  // stops the thread (after the batch it is making) and joins it
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  Batch next();                  // blocks until a batch is ready; rethrows the thread's error
  SamplerCursor cursor() const;  // after the last batch returned by next()

 private:
  struct Item {
    Batch batch;
    SamplerCursor cursor;
    std::exception_ptr error;
  };
  void run();

  std::unique_ptr<BucketSampler> sampler_;
  Producer producer_;
  std::size_t depth_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Item> queue_;
  bool stop_ = false;
  std::exception_ptr error_;     // sticky once consumed
  SamplerCursor consumed_;
  std::thread thread_;
};

}  // namespace s2s::data
