#pragma once
// Owns: PhaseTimer, the time a sequence of work spends in each named phase, measured on the
// timeline of the device that runs it (CUDA: events on the context's stream; CPU: the host's
// steady clock), accumulated over many repetitions; and cuda::EventTimeline, the recycled pool of
// timing events behind the CUDA timer.
// Does not own: what the phases are (the caller names them, e.g. bench/train/train_step.cpp), any
// synchronisation other than collect()'s wait for its own last mark.
// Why device-timeline timing: between sync points the host runs ahead of a CUDA stream, so host
// clocks around a phase measure how long it took to queue, not to run. An event recorded on the
// stream completes when the stream reaches it; the time between two events is what the device
// spent on the work queued between them, plus any time it sat idle waiting for the host to queue
// that work (which is exactly what a launch-bound phase looks like).
//
// Accounting: mark(A) ... mark(B): the time between the two boundaries is charged to phase A (one
// count). stop() is a boundary after which nothing is charged until the next mark. The interval
// after the last mark before collect() is never charged (it has no end), so end a measured
// sequence with stop() or with a mark whose phase may go uncharged. collect() forgets the marks,
// so time between the last mark of one collect and the first of the next is never charged.
// During a CUDA graph capture on the context's stream mark() and stop() do nothing (an event
// record would become a node of the graph, and its time would be the replay's, not this
// boundary's): they are counted in skipped_marks(), and the interval open before the capture
// runs on to the next mark made outside it.
// Costs: mark() on CUDA is one cudaStreamIsCapturing and one cudaEventRecord (a few µs of host
// time, no host wait); the pool grows to the largest number of marks between two collects.
// Not thread-safe (one host thread marks, as one thread drives the CUDA context).
// CUDA-header-free; in a build without CUDA, a CUDA timer cannot be made (the EventTimeline
// members throw, src/kernels/phase_timer_stub.cpp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/core/dtype.h"

namespace s2s::cuda {

// Timing events (cudaEventDefault: timing enabled) recorded on the context's stream, reused
// after recycle(). Needs cuda::initialize(). Indices are handed out 0, 1, 2, ... until recycle().
class EventTimeline {
 public:
  EventTimeline();
  ~EventTimeline();  // destroys the events (unchecked: may run after the backend is gone)
  EventTimeline(const EventTimeline&) = delete;
  EventTimeline& operator=(const EventTimeline&) = delete;

  // Records the next event of the pool (created on first use) on the context's stream, without
  // a host wait; returns its index.
  std::size_t record();
  // Waits on the host until event `index` has completed (cudaEventSynchronize).
  void wait(std::size_t index);
  // Device time from event `from` to event `to`, in seconds (cudaEventElapsedTime: ~0.5 µs
  // resolution). Both must have completed.
  double seconds_between(std::size_t from, std::size_t to) const;
  // Every event may be recorded again; the next record() returns index 0.
  void recycle() { next_ = 0; }
  std::size_t pool_size() const { return events_.size(); }

 private:
  std::vector<void*> events_;  // cudaEvent_t
  std::size_t next_ = 0;
};

}  // namespace s2s::cuda

namespace s2s::kern {

struct PhaseTotal {
  std::string name;
  double seconds = 0;     // summed over every charged interval
  std::int64_t count = 0; // charged intervals
};

class PhaseTimer {
 public:
  // Seconds on some monotonic clock (the CPU timer's time source).
  using NowFn = std::function<double()>;

  // CUDA: events on the context's stream (needs cuda::initialize(); throws without it, and in a
  // build without CUDA). CPU: std::chrono::steady_clock.
  explicit PhaseTimer(Device device);
  // A CPU timer reading `now` (tests drive the accounting with a hand-made clock).
  explicit PhaseTimer(NowFn now);
  ~PhaseTimer();
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

  // A boundary: the time from here to the next boundary is charged to `phase`.
  void mark(std::string_view phase);
  // A boundary after which nothing is charged (until the next mark).
  void stop();
  // Waits for the last boundary to be reached (CUDA: cudaEventSynchronize; nothing on the CPU),
  // charges every interval between consecutive boundaries, then forgets the boundaries.
  void collect();
  // Phases charged at least once since construction or reset(), in the order first marked.
  std::vector<PhaseTotal> totals() const;
  // One phase's total; zero seconds and count if it was never charged.
  PhaseTotal total(std::string_view phase) const;
  // Forgets the totals and any boundary not yet collected.
  void reset();

  Device device() const { return device_; }
  std::size_t pending_marks() const { return marks_.size(); }  // boundaries not yet collected
  std::int64_t skipped_marks() const { return skipped_; }      // dropped during a graph capture

 private:
  static constexpr int kStop = -1;
  struct Mark {
    int phase;          // index into totals_, or kStop
    std::size_t stamp;  // index into cpu_times_ or into the event timeline
  };
  void boundary(int phase);
  int phase_index(std::string_view phase);

  Device device_;
  NowFn now_;                                  // CPU
  std::vector<double> cpu_times_;              // CPU: the boundaries' times, seconds
  std::unique_ptr<cuda::EventTimeline> events_;  // CUDA
  std::vector<Mark> marks_;
  std::vector<PhaseTotal> totals_;  // every phase ever marked (count 0 until charged)
  std::int64_t skipped_ = 0;
};

}  // namespace s2s::kern
