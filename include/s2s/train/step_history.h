#pragma once
// Owns: the bookkeeping of training steps that lives on the device between sync points
// (trainer.h): the aux vector all-reduced together with the gradients (loss, target tokens,
// signal flags: every rank sees the global values, and a signal on any rank is > 0 after
// averaging, so every rank stops at the same step), and one history row per step since the last
// sync point (the reduced aux and the gradients' global norm²). read() brings every row to the
// host in one copy.
// Does not own: what the trainer does with the values (logging, nan_policy, signals).
// Why on the device: a step whose loss, norm and flags had to reach the host would wait for the
// GPU every step; rows let the host learn each step's values later without losing any.
#include <cstdint>
#include <span>
#include <vector>

#include "s2s/core/tensor.h"
#include "s2s/dist/gradient_reducer.h"

namespace s2s::train {

// What the host knows of a step when it queues it.
struct StepInfo {
  std::int64_t step = 0;  // global_step the step reaches when it is applied
  int bucket = 0;
  double learning_rate = 0;
  dist::ReduceStats reduce;
};

// A step as read back at a sync point (global values: averaged over the ranks).
struct StepRecord {
  StepInfo info;
  double loss = 0;       // mean of the ranks' losses: the global batch's
  double tokens = 0;     // target tokens of the global batch
  double grad_norm = 0;  // of the reduced gradients, before clipping
  bool checkpoint = false, term = false, interrupt = false;  // signals seen by any rank
};

class StepHistory {
 public:
  // `capacity` rows (the sync interval), in the model's dtype, on its device.
  StepHistory(std::int64_t capacity, DType dtype, Device device);

  // The tensor to all-reduce with the gradients (prepare it once with them, ready() it per step).
  Tensor& aux() { return aux_; }
  // This rank's values of the step: the loss (one element on the device: a device copy) and the
  // token count and signal flags (one small upload).
  void set_aux(const Tensor& loss, double tokens, bool checkpoint, bool term, bool interrupt);
  // After the reduction: the reduced aux and the global norm² of `grads` into the next row.
  // Returns the norm² (one element on the device), e.g. for the clip.
  Tensor record(std::span<const Tensor> grads, StepInfo info);

  std::int64_t size() const { return static_cast<std::int64_t>(pending_.size()); }
  std::int64_t capacity() const { return rows_.dim(0); }
  bool full() const { return size() >= capacity(); }

  // Every recorded step, oldest first, in one device-to-host copy; then empty.
  std::vector<StepRecord> read(int world_size);

 private:
  Tensor aux_;   // [kAuxSize]
  Tensor rows_;  // [capacity, kCols]
  std::vector<StepInfo> pending_;
};

}  // namespace s2s::train
