#pragma once
// Owns: StepRing, the device-independent bookkeeping of the NCCL reducer's per-step event sets
// (src/dist/nccl/nccl_reducer.cu): which slot of a fixed ring the step being built records its
// events into, which finished steps are still in flight on the device, and in which order they
// are read back. It holds no events itself: callers pass callbacks that query, wait for and read
// the slot with a given index, so the rules are unit-tested on the CPU with fakes.
//
// Why a ring: the host must not wait for a step's all-reduce at the end of that step, but the
// statistics of the step can only be read once its events have completed. Each step records into
// its own slot; finished ("committed") steps are harvested oldest first with a non-blocking query
// and, when all slots are in flight (the GPU is `depth` steps behind), the oldest is waited for
// before its slot is reused. The host therefore runs at most `depth` steps ahead of the
// communication: a bounded queue, never an unbounded run-ahead.
//
// States of the ring: `in_flight()` committed steps (oldest at head, FIFO: the device completes
// the steps of one communication stream in order) plus at most one open step (being built between
// open() and commit()). A slot is released before its `done` callback runs, so an exception thrown
// by `done` (or by `wait`, which leaves the slot in flight) never leaves the ring inconsistent.
//
// Header-only so that the CUDA translation unit of the NCCL reducer needs no extra library.
#include <cstddef>

#include "s2s/core/error.h"

namespace s2s::dist {

class StepRing {
 public:
  explicit StepRing(std::size_t depth = 4) : depth_(depth) {
    S2S_CHECK(depth >= 1 && depth <= kMaxDepth, "StepRing depth must be in [1, ", kMaxDepth,
              "], got ", depth);
  }
  static constexpr std::size_t kMaxDepth = 64;

  std::size_t depth() const { return depth_; }
  std::size_t in_flight() const { return in_flight_; }  // committed steps not yet harvested
  bool is_open() const { return open_; }
  // Slot of the open step (valid between open() and commit()/abandon()).
  std::size_t open_slot() const {
    S2S_CHECK(open_, "StepRing: no step is open");
    return (head_ + in_flight_) % depth_;
  }
  // Slot of the k-th oldest step in flight (k < in_flight()).
  std::size_t slot_in_flight(std::size_t k) const {
    S2S_CHECK(k < in_flight_, "StepRing: step ", k, " of ", in_flight_, " in flight");
    return (head_ + k) % depth_;
  }

  // Opens the slot of a new step and returns its index. If every slot holds a step in flight,
  // the oldest is first waited for (wait(slot)) and read (done(slot)).
  template <class Wait, class Done>
  std::size_t open(Wait&& wait, Done&& done) {
    S2S_CHECK(!open_, "StepRing: a step is already open (open() twice without commit())");
    if (in_flight_ == depth_) {
      wait(head_);
      release_oldest(done);
    }
    open_ = true;
    return open_slot();
  }

  // The open step has recorded all its events: it is now in flight.
  void commit() {
    S2S_CHECK(open_, "StepRing: commit() without an open step");
    open_ = false;
    ++in_flight_;
  }

  // Forgets the open step (nothing was recorded that must be read); its slot is free again.
  void abandon() { open_ = false; }

  // Non-blocking: reads (done) every step in flight whose events are complete, oldest first,
  // stopping at the first incomplete one. Returns how many were read.
  template <class IsComplete, class Done>
  std::size_t harvest(IsComplete&& is_complete, Done&& done) {
    std::size_t n = 0;
    while (in_flight_ > 0 && is_complete(head_)) {
      release_oldest(done);
      ++n;
    }
    return n;
  }

  // Blocking: waits for and reads every step in flight, oldest first (the open step, if any, is
  // not touched). Returns how many were read.
  template <class Wait, class Done>
  std::size_t drain(Wait&& wait, Done&& done) {
    std::size_t n = 0;
    while (in_flight_ > 0) {
      wait(head_);
      release_oldest(done);
      ++n;
    }
    return n;
  }

 private:
  template <class Done>
  void release_oldest(Done&& done) {
    const std::size_t slot = head_;
    head_ = (head_ + 1) % depth_;
    --in_flight_;
    done(slot);
  }

  std::size_t depth_;
  std::size_t head_ = 0;       // slot of the oldest step in flight
  std::size_t in_flight_ = 0;
  bool open_ = false;
};

}  // namespace s2s::dist
