#pragma once
// Owns: GraphCache<Key>, the decision per step shape between running a step eagerly, capturing
// it into a CUDA graph, and replaying that graph; the statistics of those decisions; the
// Capturer interface through which graphs are made (the real one is CudaGraphCapturer in
// cuda_graph.h, the unit tests use a fake).
// Does not own: CUDA (backend-free, header-only, CPU-tested in tests/unit/kernels/
// test_graph_cache.cpp), the step's inputs (uploaded by the caller before run()), logging (the
// failure callback does it).
//
// Life of one key (one static step shape, e.g. bucket + batch size + sequence lengths):
//   calls 1..warmup   Eager: the body runs (cuBLAS picks its algorithms, the model creates its
//                     parameters, one-time host work happens).
//   call warmup + 1   Captured: the body is recorded into a graph (recording executes nothing),
//                     then the graph is replayed once, so the step's work is done.
//   later calls       Replayed: only the graph is launched; the body is NOT called.
// A capture that fails (the body throws, or the capturer does) makes the key eager-only: the
// failure is reported once through the callback (the trainer logs a warning with the reason),
// the body is run eagerly for that call and for every later call of the key.
//
// CONTRACT FOR THE BODY: it is the device work of one step, reading its inputs from, and writing
// its results to, device buffers that stay at the same addresses for every call of the key (the
// caller uploads the step's inputs into them before run() and reads the results after it).
//   * Every per-step host-side state change (step counters, learning-rate decay, RNG offsets,
//     data cursors, host copies of results) happens OUTSIDE the body: a replay does not run the
//     body, so such changes inside it would happen on eager calls only.
//   * The body must be safe to run again after a failed capture: a failed capture may have run
//     any prefix of the body's host code (its kernels were recorded, not executed), and the
//     body is then run in full eagerly in the same call.
//   * Scalars passed by value to kernels (alpha, a learning rate given as a double) are frozen
//     into the graph at capture; values that change per step must live in device memory.
// Not thread-safe: one host thread drives the steps (like the CUDA context, cuda_context.h).
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace s2s::cuda {

// A recorded, replayable sequence of device work.
class CapturedGraph {
 public:
  virtual ~CapturedGraph() = default;
  virtual void replay() = 0;  // queues the recorded work (asynchronous on a GPU)
};

// Makes graphs. capture() calls `body` once while recording and executes nothing; it throws on
// failure (whatever the body throws, or the capturer's own s2s::Error).
class GraphCapturer {
 public:
  virtual ~GraphCapturer() = default;
  virtual std::unique_ptr<CapturedGraph> capture(const std::function<void()>& body) = 0;
};

// What run() did.
enum class GraphRun {
  Eager,     // the body ran (warm-up, eager-only key after a failed capture, or disabled)
  Captured,  // the body was captured into a new graph, which was then replayed once
  Replayed,  // the existing graph was replayed; the body was not called
};

inline const char* graph_run_name(GraphRun r) {
  switch (r) {
    case GraphRun::Eager: return "eager";
    case GraphRun::Captured: return "captured";
    case GraphRun::Replayed: return "replayed";
  }
  return "unknown";
}

struct GraphCacheOptions {
  bool enabled = true;  // false (--no-cuda-graphs): every call is eager
  int warmup = 2;       // eager calls of a key before its capture (>= 0)
};

// Per key, cumulative (invalidate/clear keep them). A call is counted once it has completed.
struct GraphKeyStats {
  std::uint64_t eager = 0;          // eager calls (warm-up, fallback, disabled)
  std::uint64_t captures = 0;       // successful captures
  std::uint64_t replays = 0;        // graph launches, including the one after each capture
  std::uint64_t failures = 0;       // failed captures
  std::uint64_t invalidations = 0;  // graphs dropped by invalidate()/clear()
  bool has_graph = false;           // a graph is held now
  bool eager_only = false;          // a capture failed: the key runs eagerly from then on
  std::string failure_reason;       // the first failure's message

  GraphKeyStats& operator+=(const GraphKeyStats& o) {
    eager += o.eager;
    captures += o.captures;
    replays += o.replays;
    failures += o.failures;
    invalidations += o.invalidations;
    return *this;
  }
};

// Key: the step's shape identity; ordered with Less (std::less<Key>, e.g. a struct with a
// defaulted operator<=>, or a std::tuple / std::vector of sizes).
template <class Key, class Less = std::less<Key>>
class GraphCache {
 public:
  // Called once per failed key with the failure's message (the trainer logs a warning).
  using FailureCallback = std::function<void(const Key& key, const std::string& reason)>;

  // `capturer` must outlive the cache.
  GraphCache(GraphCapturer& capturer, GraphCacheOptions options, FailureCallback on_failure = {})
      : capturer_(&capturer), options_(options), on_failure_(std::move(on_failure)) {
    if (options_.warmup < 0) options_.warmup = 0;
  }

  bool enabled() const { return options_.enabled; }
  // Disabling keeps the graphs (they are not launched while disabled); enabling again resumes.
  // Eager calls made while disabled count as the key's warm-up.
  void set_enabled(bool on) { options_.enabled = on; }
  int warmup() const { return options_.warmup; }

  // Runs one step of `key`: eagerly, by capturing then replaying, or by replaying (see the file
  // comment). An exception from an eager body, or from a replay, propagates unchanged (the call
  // is then not counted); an exception during capture is the capture failure described above.
  template <class Body>
  GraphRun run(const Key& key, Body&& body) {
    Entry& e = entries_[key];
    if (!options_.enabled || e.stats.eager_only || e.warm_calls < options_.warmup) {
      body();
      ++e.stats.eager;
      ++e.warm_calls;  // eager calls while disabled warm up too: the body did run
      return GraphRun::Eager;
    }
    if (e.graph) {
      e.graph->replay();
      ++e.stats.replays;
      return GraphRun::Replayed;
    }
    std::unique_ptr<CapturedGraph> graph;
    std::string reason;
    try {
      graph = capturer_->capture(std::function<void()>(std::ref(body)));
      if (!graph) reason = "the capturer returned no graph";
    } catch (const std::exception& ex) {
      reason = ex.what();
    } catch (...) {
      reason = "an exception that is not a std::exception";
    }
    if (!graph) {
      fail(key, e, reason);
      body();
      ++e.stats.eager;
      return GraphRun::Eager;
    }
    e.graph = std::move(graph);
    e.stats.has_graph = true;
    ++e.stats.captures;
    e.graph->replay();
    ++e.stats.replays;
    return GraphRun::Captured;
  }

  // Drops the key's graph (e.g. its buffers were reallocated); its next calls warm up and capture
  // again. An eager-only key stays eager-only (capturability is a property of the body).
  void invalidate(const Key& key) {
    auto it = entries_.find(key);
    if (it != entries_.end()) drop(it->second);
  }
  void clear() {  // invalidate() for every key
    for (auto& [key, e] : entries_) drop(e);
  }

  bool has_graph(const Key& key) const {
    auto it = entries_.find(key);
    return it != entries_.end() && it->second.graph != nullptr;
  }
  std::size_t graph_count() const {
    std::size_t n = 0;
    for (const auto& [key, e] : entries_) n += e.graph ? 1 : 0;
    return n;
  }

  GraphKeyStats stats(const Key& key) const {  // zeros for a key never run
    auto it = entries_.find(key);
    return it == entries_.end() ? GraphKeyStats{} : it->second.stats;
  }
  GraphKeyStats totals() const {  // counters summed over keys (flags and reason left empty)
    GraphKeyStats t;
    for (const auto& [key, e] : entries_) t += e.stats;
    return t;
  }
  std::vector<std::pair<Key, GraphKeyStats>> all_stats() const {  // in key order
    std::vector<std::pair<Key, GraphKeyStats>> out;
    out.reserve(entries_.size());
    for (const auto& [key, e] : entries_) out.emplace_back(key, e.stats);
    return out;
  }

 private:
  struct Entry {
    std::unique_ptr<CapturedGraph> graph;
    int warm_calls = 0;  // eager calls since creation or the last invalidation
    GraphKeyStats stats;
  };

  void fail(const Key& key, Entry& e, const std::string& reason) {
    ++e.stats.failures;
    e.stats.eager_only = true;
    e.stats.failure_reason = reason;
    if (on_failure_) on_failure_(key, reason);
  }

  void drop(Entry& e) {
    if (e.graph) ++e.stats.invalidations;
    e.graph.reset();
    e.stats.has_graph = false;
    e.warm_calls = 0;
  }

  GraphCapturer* capturer_;
  GraphCacheOptions options_;
  FailureCallback on_failure_;
  std::map<Key, Entry, Less> entries_;
};

}  // namespace s2s::cuda
