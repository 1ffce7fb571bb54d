// Owns: the CPU tests of GraphCache (kernels/graph_cache.h) with a fake capturer that records the
// body's "device work" (appends to a log) instead of executing it, the way stream capture does:
// the tests can then tell a replay (the recorded work runs, the body does not) from an eager call
// (the body runs and its work executes at once).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/kernels/graph_cache.h"

namespace s2s::cuda {
namespace {

using ::testing::HasSubstr;

// The "device": work items are either executed (appended to `executed`) or, while a capture is
// open, appended to the graph being recorded.
struct FakeDevice {
  std::vector<std::string> executed;
  std::vector<std::string>* recording = nullptr;
  void launch(const std::string& work) { (recording ? *recording : executed).push_back(work); }
};

class FakeGraph final : public CapturedGraph {
 public:
  FakeGraph(FakeDevice& dev, std::vector<std::string> work, int* live) : dev_(dev), work_(std::move(work)), live_(live) {
    ++*live_;
  }
  ~FakeGraph() override { --*live_; }
  void replay() override {
    for (const auto& w : work_) dev_.executed.push_back(w);
  }

 private:
  FakeDevice& dev_;
  std::vector<std::string> work_;
  int* live_;
};

class FakeCapturer final : public GraphCapturer {
 public:
  explicit FakeCapturer(FakeDevice& dev) : dev_(dev) {}
  std::unique_ptr<CapturedGraph> capture(const std::function<void()>& body) override {
    ++captures;
    std::vector<std::string> work;
    dev_.recording = &work;
    try {
      body();
    } catch (...) {
      dev_.recording = nullptr;  // like CudaGraph: end the capture, discard, rethrow
      throw;
    }
    dev_.recording = nullptr;
    if (fail_end_capture) throw Error("cudaStreamEndCapture: operation not permitted when stream is capturing");
    return std::make_unique<FakeGraph>(dev_, std::move(work), &live_graphs);
  }
  int captures = 0;
  int live_graphs = 0;
  bool fail_end_capture = false;

 private:
  FakeDevice& dev_;
};

using Key = std::tuple<int, int, int>;  // bucket, batch, length

struct Fixture {
  FakeDevice dev;
  FakeCapturer capturer{dev};
  std::vector<std::pair<Key, std::string>> reports;
  GraphCache<Key> cache;
  explicit Fixture(GraphCacheOptions opt = {})
      : cache(capturer, opt, [this](const Key& k, const std::string& why) { reports.emplace_back(k, why); }) {}
};

TEST(GraphCache, WarmupCallsRunEagerlyThenCaptureOnceThenReplayWithoutTheBody) {
  Fixture f;  // default warm-up: 2
  EXPECT_EQ(f.cache.warmup(), 2);
  int body_calls = 0;
  auto body = [&] {
    ++body_calls;
    f.dev.launch("gemm");
    f.dev.launch("softmax");
  };
  const Key k{0, 64, 10};
  EXPECT_EQ(f.cache.run(k, body), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(k, body), GraphRun::Eager);
  EXPECT_EQ(body_calls, 2);
  EXPECT_EQ(f.capturer.captures, 0);
  EXPECT_FALSE(f.cache.has_graph(k));

  // Third call: the body is called once, recorded (not executed), and the graph replayed once, so
  // the step's work ran exactly once.
  EXPECT_EQ(f.cache.run(k, body), GraphRun::Captured);
  EXPECT_EQ(body_calls, 3);
  EXPECT_EQ(f.capturer.captures, 1);
  EXPECT_TRUE(f.cache.has_graph(k));
  EXPECT_EQ(f.dev.executed, (std::vector<std::string>{"gemm", "softmax", "gemm", "softmax", "gemm", "softmax"}));

  for (int i = 0; i < 5; ++i) EXPECT_EQ(f.cache.run(k, body), GraphRun::Replayed);
  EXPECT_EQ(body_calls, 3) << "a replay must not call the body";
  EXPECT_EQ(f.capturer.captures, 1) << "a key is captured once";
  EXPECT_EQ(f.dev.executed.size(), 2u * 8);  // 8 steps of work in all
  EXPECT_TRUE(f.reports.empty());
}

TEST(GraphCache, WarmupCountIsConfigurable) {
  for (int warmup : {0, 1, 3, 5}) {
    Fixture f({.enabled = true, .warmup = warmup});
    int body_calls = 0;
    std::vector<GraphRun> runs;
    for (int i = 0; i < warmup + 3; ++i) runs.push_back(f.cache.run(Key{1, 1, 1}, [&] { ++body_calls; }));
    std::vector<GraphRun> want(static_cast<std::size_t>(warmup), GraphRun::Eager);
    want.push_back(GraphRun::Captured);
    want.push_back(GraphRun::Replayed);
    want.push_back(GraphRun::Replayed);
    EXPECT_EQ(runs, want) << "warmup " << warmup;
    EXPECT_EQ(body_calls, warmup + 1) << "warmup " << warmup;
  }
  Fixture negative({.enabled = true, .warmup = -4});  // treated as 0
  EXPECT_EQ(negative.cache.warmup(), 0);
  EXPECT_EQ(negative.cache.run(Key{}, [] {}), GraphRun::Captured);
}

TEST(GraphCache, KeysAreIndependent) {
  Fixture f;
  std::vector<std::string> bodies_run;
  auto body_for = [&](const std::string& name) {
    return [&, name] {
      bodies_run.push_back(name);
      f.dev.launch(name);
    };
  };
  const Key a{0, 64, 5}, b{0, 64, 10}, c{1, 64, 10};
  // Interleaved: each key keeps its own warm-up count and graph.
  EXPECT_EQ(f.cache.run(a, body_for("a")), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(b, body_for("b")), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(a, body_for("a")), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(a, body_for("a")), GraphRun::Captured);
  EXPECT_EQ(f.cache.run(b, body_for("b")), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(c, body_for("c")), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(b, body_for("b")), GraphRun::Captured);
  EXPECT_EQ(f.cache.run(a, body_for("a")), GraphRun::Replayed);
  EXPECT_EQ(f.cache.run(b, body_for("b")), GraphRun::Replayed);
  EXPECT_EQ(f.cache.graph_count(), 2u);
  EXPECT_EQ(f.capturer.live_graphs, 2);
  // Each graph replays its own key's work.
  f.dev.executed.clear();
  f.cache.run(b, body_for("b"));
  f.cache.run(a, body_for("a"));
  EXPECT_EQ(f.dev.executed, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(f.cache.stats(a).replays, 3u);  // after capture + 2
  EXPECT_EQ(f.cache.stats(c).eager, 1u);
  EXPECT_FALSE(f.cache.has_graph(c));
}

TEST(GraphCache, FailedCaptureIsReportedOnceAndTheKeyRunsEagerlyFromThenOn) {
  Fixture f({.enabled = true, .warmup = 1});
  int body_calls = 0;
  bool capturing_call = false;
  // Fails only while being captured (like a device-to-host copy, which is fine eagerly). It
  // throws midway, after some work was recorded.
  auto body = [&] {
    ++body_calls;
    f.dev.launch("forward");
    if (f.dev.recording != nullptr) {
      capturing_call = true;
      throw Error("device-to-host copy of 4 bytes during CUDA graph capture");
    }
    f.dev.launch("backward");
  };
  const Key k{2, 32, 40}, other{2, 32, 41};
  EXPECT_EQ(f.cache.run(k, body), GraphRun::Eager);
  f.dev.executed.clear();
  // The capture fails; the same call then runs the body in full, eagerly.
  EXPECT_EQ(f.cache.run(k, body), GraphRun::Eager);
  EXPECT_TRUE(capturing_call);
  EXPECT_EQ(body_calls, 3);  // warm-up, failed capture, eager re-run
  EXPECT_EQ(f.dev.executed, (std::vector<std::string>{"forward", "backward"}))
      << "the failed capture must execute nothing; the eager re-run executes the whole step";
  ASSERT_EQ(f.reports.size(), 1u);
  EXPECT_EQ(f.reports[0].first, k);
  EXPECT_THAT(f.reports[0].second, HasSubstr("during CUDA graph capture"));

  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.cache.run(k, body), GraphRun::Eager);
  EXPECT_EQ(f.capturer.captures, 1) << "an eager-only key is never captured again";
  EXPECT_EQ(f.reports.size(), 1u) << "the failure is reported once";
  EXPECT_EQ(body_calls, 7);

  const GraphKeyStats s = f.cache.stats(k);
  EXPECT_TRUE(s.eager_only);
  EXPECT_FALSE(s.has_graph);
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.eager, 6u);
  EXPECT_EQ(s.captures, 0u);
  EXPECT_THAT(s.failure_reason, HasSubstr("device-to-host copy"));

  // invalidate/clear do not make an eager-only key capturable again.
  f.cache.invalidate(k);
  f.cache.clear();
  EXPECT_EQ(f.cache.run(k, body), GraphRun::Eager);
  EXPECT_EQ(f.capturer.captures, 1);
  // Another key is unaffected.
  int other_calls = 0;
  auto ok = [&] { ++other_calls; };
  EXPECT_EQ(f.cache.run(other, ok), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(other, ok), GraphRun::Captured);
  EXPECT_EQ(f.cache.run(other, ok), GraphRun::Replayed);
}

TEST(GraphCache, CapturerFailureAfterACompleteBodyFallsBackToo) {
  Fixture f({.enabled = true, .warmup = 0});
  f.capturer.fail_end_capture = true;  // e.g. cudaErrorStreamCaptureInvalidated at EndCapture
  int body_calls = 0;
  auto body = [&] {
    ++body_calls;
    f.dev.launch("step");
  };
  EXPECT_EQ(f.cache.run(Key{}, body), GraphRun::Eager);
  EXPECT_EQ(body_calls, 2);
  EXPECT_EQ(f.dev.executed, std::vector<std::string>{"step"});
  ASSERT_EQ(f.reports.size(), 1u);
  EXPECT_THAT(f.reports[0].second, HasSubstr("cudaStreamEndCapture"));
  EXPECT_EQ(f.capturer.live_graphs, 0);
}

TEST(GraphCache, NonStdExceptionsAndNullGraphsCountAsFailures) {
  struct NullCapturer final : GraphCapturer {
    std::unique_ptr<CapturedGraph> capture(const std::function<void()>& body) override {
      body();
      return nullptr;
    }
  } null_capturer;
  std::vector<std::string> reasons;
  GraphCache<int> cache(null_capturer, {.enabled = true, .warmup = 0},
                        [&](const int&, const std::string& why) { reasons.push_back(why); });
  int calls = 0;
  EXPECT_EQ(cache.run(7, [&] { ++calls; }), GraphRun::Eager);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.run(8, [&] {
              if (++calls == 3) throw 42;
            }),
            GraphRun::Eager);
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_THAT(reasons[0], HasSubstr("no graph"));
  EXPECT_THAT(reasons[1], HasSubstr("not a std::exception"));
}

TEST(GraphCache, EagerAndReplayExceptionsPropagateAndAreNotCounted) {
  Fixture f({.enabled = true, .warmup = 1});
  EXPECT_THROW(f.cache.run(Key{}, [] { throw Error("shape mismatch"); }), Error);
  EXPECT_EQ(f.cache.stats(Key{}).eager, 0u);
  EXPECT_TRUE(f.reports.empty()) << "an eager failure is the caller's error, not a capture failure";
  // The failed call did not count as warm-up: the next call is still eager.
  EXPECT_EQ(f.cache.run(Key{}, [] {}), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(Key{}, [] {}), GraphRun::Captured);

  struct ThrowingGraph final : CapturedGraph {
    void replay() override { throw Error("cudaGraphLaunch: an illegal memory access was encountered"); }
  };
  struct ThrowingCapturer final : GraphCapturer {
    std::unique_ptr<CapturedGraph> capture(const std::function<void()>& body) override {
      body();
      return std::make_unique<ThrowingGraph>();
    }
  } throwing;
  GraphCache<int> cache(throwing, {.enabled = true, .warmup = 0});
  EXPECT_THROW(cache.run(1, [] {}), Error);
  EXPECT_TRUE(cache.has_graph(1)) << "a failing replay is a device error, not a capture failure";
  EXPECT_EQ(cache.stats(1).captures, 1u);
  EXPECT_EQ(cache.stats(1).replays, 0u);
  EXPECT_FALSE(cache.stats(1).eager_only);
}

TEST(GraphCache, DisabledRunsEveryCallEagerly) {
  Fixture f({.enabled = false, .warmup = 0});
  EXPECT_FALSE(f.cache.enabled());
  int calls = 0;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(f.cache.run(Key{3, 3, 3}, [&] { ++calls; }), GraphRun::Eager);
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(f.capturer.captures, 0);
  EXPECT_EQ(f.cache.stats(Key{3, 3, 3}).eager, 5u);

  // Switching at run time: enabled captures; disabled again runs the body and leaves the graph be.
  f.cache.set_enabled(true);
  EXPECT_EQ(f.cache.run(Key{3, 3, 3}, [&] { ++calls; }), GraphRun::Captured);
  f.cache.set_enabled(false);
  EXPECT_EQ(f.cache.run(Key{3, 3, 3}, [&] { ++calls; }), GraphRun::Eager);
  EXPECT_EQ(calls, 7);
  EXPECT_TRUE(f.cache.has_graph(Key{3, 3, 3}));
  f.cache.set_enabled(true);
  EXPECT_EQ(f.cache.run(Key{3, 3, 3}, [&] { ++calls; }), GraphRun::Replayed);
  EXPECT_EQ(calls, 7);

  // Eager calls while disabled are the key's warm-up (the body ran): with warm-up 2, two disabled
  // calls are enough for the first enabled call to capture; one is not.
  Fixture g({.enabled = false, .warmup = 2});
  g.cache.run(Key{1, 0, 0}, [] {});
  g.cache.run(Key{2, 0, 0}, [] {});
  g.cache.run(Key{2, 0, 0}, [] {});
  g.cache.set_enabled(true);
  EXPECT_EQ(g.cache.run(Key{1, 0, 0}, [] {}), GraphRun::Eager);
  EXPECT_EQ(g.cache.run(Key{2, 0, 0}, [] {}), GraphRun::Captured);
}

TEST(GraphCache, InvalidateAndClearDropGraphsWhichAreRebuiltAfterWarmup) {
  Fixture f({.enabled = true, .warmup = 1});
  int calls = 0;
  auto body = [&] { ++calls; };
  const Key a{0, 1, 1}, b{1, 1, 1};
  for (const Key& k : {a, b}) {
    f.cache.run(k, body);
    EXPECT_EQ(f.cache.run(k, body), GraphRun::Captured);
  }
  EXPECT_EQ(f.capturer.live_graphs, 2);

  f.cache.invalidate(a);
  EXPECT_EQ(f.capturer.live_graphs, 1) << "invalidate destroys the graph";
  EXPECT_FALSE(f.cache.has_graph(a));
  EXPECT_TRUE(f.cache.has_graph(b));
  f.cache.invalidate(Key{9, 9, 9});  // unknown key: nothing happens
  EXPECT_EQ(f.cache.run(a, body), GraphRun::Eager);  // warms up again
  EXPECT_EQ(f.cache.run(a, body), GraphRun::Captured);
  EXPECT_EQ(f.cache.run(b, body), GraphRun::Replayed);

  f.cache.clear();
  EXPECT_EQ(f.capturer.live_graphs, 0);
  EXPECT_EQ(f.cache.graph_count(), 0u);
  EXPECT_EQ(f.cache.run(b, body), GraphRun::Eager);
  EXPECT_EQ(f.cache.run(b, body), GraphRun::Captured);
  EXPECT_EQ(f.cache.stats(a).invalidations, 2u);  // invalidate + clear
  EXPECT_EQ(f.cache.stats(b).invalidations, 1u);
  EXPECT_EQ(f.cache.stats(b).captures, 2u);
}

TEST(GraphCache, StatisticsPerKeyAndTotals) {
  Fixture f({.enabled = true, .warmup = 2});
  const Key good{0, 8, 8}, bad{1, 8, 8};
  for (int i = 0; i < 6; ++i) f.cache.run(good, [] {});  // 2 eager, 1 capture(+replay), 3 replays
  for (int i = 0; i < 4; ++i) {
    f.cache.run(bad, [&] {
      if (f.dev.recording != nullptr) throw Error("unsupported during capture");
    });  // 2 eager, failed capture + eager, 1 eager
  }
  const GraphKeyStats g = f.cache.stats(good);
  EXPECT_EQ(g.eager, 2u);
  EXPECT_EQ(g.captures, 1u);
  EXPECT_EQ(g.replays, 4u);
  EXPECT_EQ(g.failures, 0u);
  EXPECT_TRUE(g.has_graph);
  EXPECT_FALSE(g.eager_only);
  const GraphKeyStats b = f.cache.stats(bad);
  EXPECT_EQ(b.eager, 4u);
  EXPECT_EQ(b.captures, 0u);
  EXPECT_EQ(b.replays, 0u);
  EXPECT_EQ(b.failures, 1u);
  EXPECT_TRUE(b.eager_only);
  const GraphKeyStats t = f.cache.totals();
  EXPECT_EQ(t.eager, 6u);
  EXPECT_EQ(t.captures, 1u);
  EXPECT_EQ(t.replays, 4u);
  EXPECT_EQ(t.failures, 1u);
  const auto all = f.cache.all_stats();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, good);  // key order
  EXPECT_EQ(all[1].first, bad);
  EXPECT_EQ(f.cache.stats(Key{5, 5, 5}).eager, 0u);  // never run: zeros
  EXPECT_STREQ(graph_run_name(GraphRun::Replayed), "replayed");
}

// A key type the trainer might use: a struct with a defaulted three-way comparison.
struct StepShape {
  int bucket = 0;
  int batch = 0;
  int encoder_len = 0;
  int decoder_len = 0;
  auto operator<=>(const StepShape&) const = default;
};

TEST(GraphCache, StructKeysWithDefaultedComparison) {
  Fixture unused;
  GraphCache<StepShape> cache(unused.capturer, {.enabled = true, .warmup = 0});
  EXPECT_EQ(cache.run({0, 64, 5, 10}, [] {}), GraphRun::Captured);
  EXPECT_EQ(cache.run({0, 64, 5, 11}, [] {}), GraphRun::Captured);  // another shape, another graph
  EXPECT_EQ(cache.run({0, 64, 5, 10}, [] {}), GraphRun::Replayed);
  EXPECT_EQ(cache.graph_count(), 2u);
}

}  // namespace
}  // namespace s2s::cuda
