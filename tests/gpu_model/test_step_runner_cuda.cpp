// The trainer's device step on CUDA (train/step_runner.h), issue 8's claims checked on a GPU:
//   * a CUDA graph per bucket replays the eager step exactly: two identical models, one stepping
//     through graphs (warm-up 2, then capture, then replays) and one eagerly, see the same
//     batches (two buckets interleaved, sampled softmax and dropout on, so the graph must read the
//     step's new candidates and dropout counter from its buffers) and give bitwise equal losses
//     and parameters; every bucket is captured and none falls back, with and without
//     model.mask_padding (whose attention mask is built on the device from the feed's ids);
//   * a steady step does no host round trip: after warm-up, steps made of make_feed, run,
//     the device norm², the device clip and the SGD update make zero device-to-host copies,
//     with graphs and without (mask_padding on);
//   * under bf16, the per-step parameter copies (kernels/bf16_cache.h) change no bit, eager or
//     captured.
// Skipped without a CUDA device (the CudaTest fixture).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gpu/harness.h"
#include "support/translate_runs.h"
#include "s2s/core/philox.h"
#include "s2s/kernels/clip.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/gemm.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/train/optimizer.h"
#include "s2s/model/seq2seq_model.h"
#include "s2s/train/step_runner.h"

namespace s2s::test {
namespace {

using model::Seq2SeqBatch;

constexpr std::int64_t kSourceVocab = 50, kTargetVocab = 60, kBatch = 8;
const std::vector<model::Bucket> kBuckets = {{4, 5}, {7, 8}};

model::ModelConfig model_config(bool mask_padding = false) {
  model::ModelConfig m = base_model();  // support/translate_runs.h: 1x32 GRU + attention
  m.num_layers = 2;
  m.num_samples = 16;  // sampled softmax: new candidates every step
  m.input_keep_prob = 0.9;
  m.output_keep_prob = 0.8;
  m.mask_padding = mask_padding;  // the attention mask is built on the device too
  m.device = Device::CUDA;
  return m;
}

// The batches: translate's layout, random words (support/translate_runs.h).
RunSetup batch_setup() { return {"step_runner", model_config(), kSourceVocab, kTargetVocab, kBatch, kBuckets}; }
Seq2SeqBatch make_batch(std::size_t bucket, PhiloxStream& rng) { return s2s::test::make_batch(bucket, batch_setup(), rng); }

// The trainer's step without MPI: StepRunner, norm² and clip on the device, SGD.
class DeviceRun {
 public:
  explicit DeviceRun(bool graphs, bool mask_padding = false, bool cache_bf16 = true) {
    model_ = std::make_unique<model::Seq2SeqModel>(model_config(mask_padding), kSourceVocab, kTargetVocab, kBuckets, 77);
    model_->create_variables();
    for (auto& p : model_->params().parameters()) {
      params_.push_back(p);
      grads_.push_back(p.grad());
      refs_.push_back({p.name(), p.value(), p.grad()});
    }
    optimizer_.init(refs_);
    norm_sq_ = Tensor::zeros({1}, DType::F32, Device::CUDA);
    train::StepRunner::Options o;
    o.cuda_graphs = graphs;
    o.cache_bf16_operands = cache_bf16;
    runner_ = std::make_unique<train::StepRunner>(*model_, o, [this](const std::string& w) { warnings_ += w + "\n"; });
  }
  Tensor step(const Seq2SeqBatch& batch) {
    const model::StepFeed feed = model_->make_feed(batch, model::ForwardMode::Train);
    const auto ran = runner_->run(feed, {});
    kern::global_sum_squares(norm_sq_, grads_);
    for (Tensor& g : grads_) kern::scale_by_global_norm(g, norm_sq_, 1.0);
    optimizer_.step(refs_, 0.5);
    return ran.loss;
  }
  std::vector<float> parameters() const {
    std::vector<float> all;
    for (const auto& p : params_) {
      const auto v = p.value().to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  }
  const train::StepRunner& runner() const { return *runner_; }
  const std::string& warnings() const { return warnings_; }
  std::uint64_t dropout_counter() const { return model_->dropout_counter(); }

 private:
  std::unique_ptr<model::Seq2SeqModel> model_;
  std::vector<ag::Var> params_;
  std::vector<Tensor> grads_;
  std::vector<train::ParamRef> refs_;
  train::SgdOptimizer optimizer_;
  Tensor norm_sq_;
  std::unique_ptr<train::StepRunner> runner_;
  std::string warnings_;
};

class StepRunnerCuda : public CudaTest {};

TEST_F(StepRunnerCuda, GraphsReplayTheEagerRunBitForBit) {
  for (bool mask_padding : {false, true}) {
    SCOPED_TRACE(mask_padding ? "mask_padding" : "unmasked attention");
    DeviceRun graphs(true, mask_padding), eager(false, mask_padding);
    ASSERT_TRUE(graphs.runner().graphs_active());
    ASSERT_FALSE(eager.runner().graphs_active());
    PhiloxStream rng(5, 0);
    for (int i = 0; i < 12; ++i) {
      const Seq2SeqBatch batch = make_batch(static_cast<std::size_t>(i % 2 == 0 || i > 8 ? 0 : 1), rng);
      const float a = static_cast<float>(graphs.step(batch).item());
      const float b = static_cast<float>(eager.step(batch).item());
      ASSERT_TRUE(bitwise_equal({a}, {b})) << "step " << i << ": graph loss " << a << ", eager " << b << "\n"
                                           << graphs.warnings();
      ASSERT_EQ(graphs.dropout_counter(), eager.dropout_counter()) << "step " << i;
    }
    EXPECT_TRUE(bitwise_equal(graphs.parameters(), eager.parameters()));
    const auto g = graphs.runner().graph_totals();
    EXPECT_EQ(g.failures, 0u) << graphs.warnings();
    EXPECT_EQ(g.captures, 2u) << "one graph per bucket";
    EXPECT_GT(g.replays, 2u);
    EXPECT_EQ(graphs.warnings(), "");
  }
}

// Under bf16 the parameters' bf16 copies are made once per step (kernels/bf16_cache.h), inside
// the captured graph too: graphs + cache, eager + cache and eager without the cache train bit for
// bit alike.
TEST_F(StepRunnerCuda, Bf16CachedCopiesMatchUncachedEagerAndGraphs) {
  kern::MatmulPrecisionScope bf16(kern::MatmulPrecision::BF16);
  DeviceRun graphs(true), eager(false), uncached(false, false, /*cache_bf16=*/false);
  PhiloxStream rng(6, 0);
  for (int i = 0; i < 8; ++i) {
    const Seq2SeqBatch batch = make_batch(static_cast<std::size_t>(i % 2), rng);
    const float a = static_cast<float>(graphs.step(batch).item()), b = static_cast<float>(eager.step(batch).item()),
                c = static_cast<float>(uncached.step(batch).item());
    ASSERT_TRUE(bitwise_equal({a, b}, {c, c})) << "step " << i << ": graphs " << a << ", eager " << b
                                               << ", uncached " << c << "\n" << graphs.warnings();
  }
  EXPECT_TRUE(bitwise_equal(graphs.parameters(), uncached.parameters()));
  EXPECT_TRUE(bitwise_equal(eager.parameters(), uncached.parameters()));
  EXPECT_EQ(graphs.runner().graph_totals().failures, 0u) << graphs.warnings();
}

TEST_F(StepRunnerCuda, SteadyStepsMakeNoHostRoundTrip) {
  for (bool use_graphs : {true, false}) {
    DeviceRun run(use_graphs, /*mask_padding=*/true);
    PhiloxStream rng(9, 0);
    std::vector<Seq2SeqBatch> batches = {make_batch(0, rng), make_batch(1, rng)};
    for (int i = 0; i < 8; ++i) run.step(batches[static_cast<std::size_t>(i % 2)]);  // warm-up and captures
    cuda::synchronize();
    cuda::reset_transfer_stats();
    Tensor loss;
    for (int i = 0; i < 10; ++i) loss = run.step(batches[static_cast<std::size_t>(i % 2)]);
    const auto t = cuda::transfer_stats();
    EXPECT_EQ(t.d2h_copies, 0u) << (use_graphs ? "graphs" : "eager") << ": a step read the device";
    EXPECT_EQ(t.h2d_synchronous, 0u) << (use_graphs ? "graphs" : "eager") << ": an upload waited";
    EXPECT_GT(t.h2d_staged, 0u) << "the feeds are uploaded";
    EXPECT_TRUE(std::isfinite(loss.item()));
  }
}

}  // namespace
}  // namespace s2s::test
