// Tests the reducer driven by Tape::backward's on_ready hook: gradients arrive in backward order
// (last layer first), buckets are launched while backward is still running, communication is
// hidden behind a slow early op, and the averaged gradient equals the hand-derived one.
//
// Model: h_{l+1} = h_l W_l + b_l (l = 0..L-1), loss = sum(h_L), with small-integer W and x, so
// every gradient is an integer and exact in float. Rank r feeds x * (r + 1); the expected average
// is computed by running all n ranks' backward passes locally (no MPI) and averaging in double.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "s2s/autograd/ops.h"
#include "s2s/autograd/var.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/log.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

constexpr int kLayers = 4, kBatch = 3, kWidth = 6;

struct Model {
  std::vector<ag::Var> params;  // W_0, b_0, W_1, b_1, ...
  Model() {
    for (int l = 0; l < kLayers; ++l) {
      std::vector<float> w(kWidth * kWidth), b(kWidth);
      for (int i = 0; i < kWidth * kWidth; ++i) w[i] = static_cast<float>((i * 5 + l) % 3) - 1;
      for (int i = 0; i < kWidth; ++i) b[i] = static_cast<float>(i % 2);
      params.emplace_back(Tensor::from_vector<float>({kWidth, kWidth}, w), true);
      params.emplace_back(Tensor::from_vector<float>({kWidth}, b), true);
    }
  }
};

Tensor input(int scale) {
  std::vector<float> x(kBatch * kWidth);
  for (int i = 0; i < kBatch * kWidth; ++i) x[i] = static_cast<float>(((i * 3) % 5) - 2) * scale;
  return Tensor::from_vector<float>({kBatch, kWidth}, x);
}

// Forward + backward on `tape`. `slow_ms` > 0 puts an identity op in front of layer 0 whose
// backward sleeps: it runs after every parameter gradient is ready, like the embedding/encoder
// part of a real model, so communication can proceed behind it.
void run_step(Model& m, ag::Tape& tape, int scale, int slow_ms, const ag::Tape::GradReadyFn& on_ready) {
  ag::TapeScope scope(&tape);
  ag::Var h = ag::constant(input(scale));
  if (slow_ms > 0) {
    ag::Var y(h.value().clone(), false);  // identity; its input needs no gradient
    tape.record(y, {h}, [slow_ms](const Tensor&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms));
    });
    h = y;
  }
  for (int l = 0; l < kLayers; ++l) h = ag::add_bias(ag::matmul(h, m.params[2 * l]), m.params[2 * l + 1]);
  tape.backward(ag::sum(h), on_ready);
  tape.clear();
}

TEST(TapeOverlap, OnReadyDrivesBucketsInBackwardOrderAndAverages) {
  World world;
  const int n = world.size();

  // Reference, without MPI: every rank's gradient (scales 1..n) by plain backward, averaged.
  ag::Tape tape;
  std::vector<std::vector<double>> want;
  for (int r = 0; r < n; ++r) {
    Model ref;
    run_step(ref, tape, r + 1, 0, {});
    want.resize(ref.params.size());
    for (std::size_t i = 0; i < ref.params.size(); ++i) {
      auto g = ref.params[i].grad().to_vector<float>();
      want[i].resize(g.size());
      for (std::size_t k = 0; k < g.size(); ++k) want[i][k] += g[k] / static_cast<double>(n);
    }
  }

  Model m;
  std::vector<Tensor> grads;
  for (auto& p : m.params) grads.push_back(p.grad());  // allocate the buffers prepare() needs
  // W_l is 144 B, b_l 24 B: 64 B buckets split every W and fill several buckets per layer.
  auto reducer = make_reducer("mpi", world, {.bucket_bytes = 64});
  reducer->prepare(grads);

  std::vector<std::size_t> ready_order;
  run_step(m, tape, world.rank() + 1, 0, [&](const ag::Var& p) {
    for (std::size_t i = 0; i < m.params.size(); ++i)
      if (p.node() == m.params[i].node()) ready_order.push_back(i);
    reducer->ready(p.grad());
  });
  ReduceStats s = reducer->finish();

  // Backward order: layer L-1's parameters become ready before layer L-2's, and so on.
  ASSERT_EQ(ready_order.size(), m.params.size());
  for (std::size_t k = 1; k < ready_order.size(); ++k)
    EXPECT_GE(ready_order[k - 1] / 2, ready_order[k] / 2) << "ready order is not layer-descending";
  EXPECT_EQ(ready_order.front() / 2, std::size_t(kLayers - 1));

  // Most buckets were launched from on_ready, i.e. during backward (the last partial one by finish).
  EXPECT_GE(s.buckets_during_backward + 1, s.buckets);
  EXPECT_GT(s.buckets_during_backward, std::size_t(kLayers));

  for (std::size_t i = 0; i < m.params.size(); ++i) {
    auto got = m.params[i].grad().to_vector<float>();
    for (std::size_t k = 0; k < got.size(); ++k)
      ASSERT_EQ(got[k], static_cast<float>(want[i][k])) << "param " << i << " element " << k;
  }
}

TEST(TapeOverlap, CommunicationHidesBehindSlowBackward) {
  World world;
  if (world.size() == 1) GTEST_SKIP() << "nothing to hide with one rank";
  Model m;
  std::vector<Tensor> grads;
  for (auto& p : m.params) grads.push_back(p.grad());
  // One bucket per layer's W (144 B) + b (24 B): 168 B; the 4 layers fill exactly 4 buckets, all
  // launched before the slow op's backward runs.
  auto reducer = make_reducer("mpi", world, {.bucket_bytes = 168});
  reducer->prepare(grads);
  ReduceStats s;
  ag::Tape tape;
  for (int step = 0; step < 3; ++step) {
    for (auto& p : m.params) p.zero_grad();
    run_step(m, tape, world.rank() + 1, 30,
             [&](const ag::Var& p) { reducer->ready(p.grad()); });
    s = reducer->finish();
  }
  EXPECT_EQ(s.buckets, std::size_t(kLayers));
  EXPECT_EQ(s.buckets_during_backward, std::size_t(kLayers));
  EXPECT_GE(s.backward_s, 0.025);
  // Everything was sent ~30 ms before backward ended; what finish() still waits is the
  // completion of the last bucket, whose progress needed an MPI call.
  EXPECT_GT(s.hidden_fraction(), 0.5) << s.summary();
  log_root("overlap test: {}", s.summary());
}

}  // namespace
}  // namespace s2s::dist
