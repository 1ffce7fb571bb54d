// Beam search on CUDA (skipped without a device): the same code as on the CPU (decode/beam_search
// over Seq2SeqModel's incremental decoder, device-agnostic kernels), so a CUDA model with the CPU
// model's float32 parameters must find the same hypotheses: k = 4, n-best 4, α = 0.6, for
// attention and non-attention models; scores within 1e-4 (absolute, on log-probabilities of a
// few nats: float32 sums in another order). k = 1 must give the argmax ids of a CUDA Decode
// forward (greedy decoding) cut at the first EOS.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gpu/harness.h"
#include "s2s/autograd/var.h"
#include "s2s/config/config.h"
#include "s2s/core/philox.h"
#include "s2s/data/decode_input.h"
#include "s2s/decode/beam_search.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::test {
namespace {

class BeamSearchCuda : public CudaTest {};

class Stepper final : public decode::BeamStepper {
 public:
  Stepper(model::Seq2SeqModel& m, nn::DecoderMemory mem) : m_(m), mem_(std::move(mem)) {}
  Tensor step(const Tensor& ids) override { return m_.decode_step(ids, mem_); }
  void reorder(const Tensor& rows, bool same_sources) override {
    mem_ = model::Seq2SeqModel::reorder(mem_, rows, same_sources);
  }
  Device device() const override { return m_.params().device(); }

 private:
  model::Seq2SeqModel& m_;
  nn::DecoderMemory mem_;
};

std::unique_ptr<model::Seq2SeqModel> make(const std::vector<std::string>& overrides, Device device) {
  config::TrainConfig cfg;
  config::config_apply_overrides(cfg, overrides);
  cfg.model.device = device;
  auto m = std::make_unique<model::Seq2SeqModel>(cfg.model, 20, 20, std::vector<model::Bucket>{{6, 8}}, 3);
  m->create_variables();
  return m;
}

std::vector<data::DecodeInput> sources() {
  PhiloxStream rng(4, 0);
  std::vector<data::DecodeInput> rows;
  for (int i = 0; i < 24; ++i) {
    data::DecodeInput in;
    const auto len = static_cast<int>(rng.below(7));
    for (int k = 0; k < len; ++k) in.source.push_back(static_cast<std::int32_t>(4 + rng.below(16)));
    rows.push_back(in);
  }
  return rows;
}

std::vector<std::vector<decode::Hypothesis>> search(model::Seq2SeqModel& m, const std::vector<data::DecodeInput>& rows,
                                                    const decode::BeamOptions& o) {
  ag::TapeScope no_tape(nullptr);
  const data::Batch b = data::make_decode_batch(rows, {data::Bucket{6, 8}});
  Stepper s(m, m.encode(model::Seq2SeqBatch::from(b)));
  const std::vector<std::int64_t> max_steps(rows.size(), 8);
  return decode::beam_search(s, max_steps, o);
}

TEST_F(BeamSearchCuda, SameHypothesesAsTheCpuAndGreedyAtBeamOne) {
  for (const auto& overrides :
       {std::vector<std::string>{"model.num_layers=2", "model.size=16", "model.cell=lstm", "model.num_heads=2",
                                 "model.num_samples=0"},
        std::vector<std::string>{"model.num_layers=1", "model.size=16", "model.attention=false", "model.num_samples=8"}}) {
    auto cpu = make(overrides, Device::CPU);
    auto gpu = make(overrides, Device::CUDA);
    auto cp = cpu->params().parameters();
    auto gp = gpu->params().parameters();
    ASSERT_EQ(cp.size(), gp.size());
    for (std::size_t i = 0; i < cp.size(); ++i) {
      Tensor host = cp[i].value().to_dtype(DType::F64);
      auto v = host.to_vector<double>();
      for (double& x : v) x *= 3.0;  // outputs that depend on the input
      const Tensor scaled = Tensor::from_vector<double>(host.shape(), v).to_dtype(DType::F32);
      cp[i].mutable_value().copy_from(scaled);
      gp[i].mutable_value().copy_from(scaled);
    }
    const auto rows = sources();
    decode::BeamOptions o;
    o.beam_size = 4;
    o.n_best = 4;
    o.length_penalty = 0.6;
    const auto want = search(*cpu, rows, o);
    const auto got = search(*gpu, rows, o);
    for (std::size_t n = 0; n < rows.size(); ++n) {
      ASSERT_EQ(got[n].size(), want[n].size()) << "source " << n;
      for (std::size_t j = 0; j < want[n].size(); ++j) {
        EXPECT_EQ(got[n][j].ids, want[n][j].ids) << "source " << n << " rank " << j;
        EXPECT_NEAR(got[n][j].score, want[n][j].score, 1e-4) << "source " << n << " rank " << j;
      }
    }
    // k = 1 against the CUDA Decode forward's argmax ids.
    decode::BeamOptions one;
    one.beam_size = 1;
    const auto beam1 = search(*gpu, rows, one);
    ag::TapeScope no_tape(nullptr);
    const data::Batch b = data::make_decode_batch(rows, {data::Bucket{6, 8}});
    const model::ForwardResult r = gpu->forward(model::Seq2SeqBatch::from(b), model::ForwardMode::Decode);
    const auto B = static_cast<std::int64_t>(rows.size());
    std::vector<std::vector<std::int32_t>> greedy(rows.size());
    std::vector<bool> ended(rows.size(), false);
    Tensor idx = Tensor::empty({B}, DType::I32, Device::CUDA);
    for (const ag::Var& l : r.logits) {
      kern::argmax_rows(idx, l.value());
      const auto ids = idx.to_vector<std::int32_t>();
      for (std::size_t n = 0; n < rows.size(); ++n) {
        if (ids[n] == data::kEosId) ended[n] = true;
        if (!ended[n]) greedy[n].push_back(ids[n]);
      }
    }
    for (std::size_t n = 0; n < rows.size(); ++n) EXPECT_EQ(beam1[n][0].ids, greedy[n]) << "source " << n;
  }
}

}  // namespace
}  // namespace s2s::test
