#pragma once
// Owns (tests): the small translate-model runs several test binaries train side by side — float32
// vs bf16 (tests/unit/train/test_mixed_precision.cpp), CPU vs CUDA
// (tests/gpu_model/test_model_parity.cpp), graphs vs eager (tests/gpu_model/test_step_runner_cuda.cpp):
// two model setups covering GRU/LSTM, sampled/full softmax and 1–2 heads, random full-bucket
// batches in translate's layout, and TrainingRun, the trainer's step without MPI.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "s2s/autograd/var.h"
#include "s2s/core/philox.h"
#include "s2s/train/clip.h"
#include "s2s/train/optimizer.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::test {

struct RunSetup {
  std::string name;
  model::ModelConfig model;
  std::int64_t source_vocab, target_vocab, batch;
  std::vector<model::Bucket> buckets;
};

// 1×32 GRU with attention, full softmax, no dropout, float32 on the CPU.
inline model::ModelConfig base_model() {
  model::ModelConfig m{};
  m.cell = model::CellType::Gru;
  m.num_layers = 1;
  m.size = 32;
  m.embedding_size = 0;
  m.num_heads = 1;
  m.attention = true;
  m.num_samples = 0;
  m.input_keep_prob = m.output_keep_prob = 1.0;
  m.mask_padding = false;
  m.dtype = DType::F32;
  m.device = Device::CPU;
  return m;
}

// GRU + attention + sampled softmax; 2-layer LSTM + 2 heads + full softmax.
inline std::vector<RunSetup> two_setups() {
  RunSetup gru{"gru_attention_sampled", base_model(), 50, 60, 8, {{4, 5}, {7, 8}}};
  gru.model.num_samples = 16;
  RunSetup lstm{"lstm2_heads2_full_softmax", base_model(), 40, 30, 6, {{3, 4}, {5, 7}}};
  lstm.model.cell = model::CellType::Lstm;
  lstm.model.num_layers = 2;
  lstm.model.size = 24;
  lstm.model.num_heads = 2;
  return {gru, lstm};
}

// A full bucket of random words (ids >= 4), translate's layout: reversed source (left-padded
// with PAD 0 in row 0), GO ... EOS, targets shifted by one, weight 1 on every real target.
inline model::Seq2SeqBatch make_batch(std::size_t bucket, const RunSetup& s, PhiloxStream& rng) {
  const auto [enc, dec] = s.buckets[bucket];
  const std::int64_t b = s.batch;
  model::Seq2SeqBatch out;
  out.bucket = bucket;
  out.encoder_inputs = Tensor::zeros({enc, b}, DType::I32);
  out.decoder_inputs = Tensor::zeros({dec, b}, DType::I32);
  out.targets = Tensor::zeros({dec, b}, DType::I32);
  out.weights = Tensor::zeros({dec, b}, DType::F32);
  auto* e = out.encoder_inputs.data<std::int32_t>();
  auto* d = out.decoder_inputs.data<std::int32_t>();
  auto* t = out.targets.data<std::int32_t>();
  auto* w = out.weights.data<float>();
  auto word = [&](std::int64_t vocab) { return static_cast<std::int32_t>(4 + rng.below(std::uint64_t(vocab - 4))); };
  for (std::int64_t i = 0; i < b; ++i) {
    for (std::int64_t k = 1; k < enc; ++k) e[k * b + i] = word(s.source_vocab);
    d[i] = 1;  // GO
    for (std::int64_t k = 1; k < dec - 1; ++k) d[k * b + i] = word(s.target_vocab);
    d[(dec - 1) * b + i] = 2;  // EOS
    for (std::int64_t k = 0; k < dec - 1; ++k) {
      t[k * b + i] = d[(k + 1) * b + i];
      w[k * b + i] = 1.0f;
    }
  }
  return out;
}

// One model (seed 1234, the setup's config in `dtype` on `device`), an optimizer and the
// trainer's step: forward (Train), backward, clip_by_global_norm, update.
class TrainingRun {
 public:
  TrainingRun(const RunSetup& s, std::unique_ptr<train::Optimizer> optimizer, double learning_rate, double max_norm,
              DType dtype = DType::F32, Device device = Device::CPU)
      : optimizer_(std::move(optimizer)), learning_rate_(learning_rate), max_norm_(max_norm) {
    model::ModelConfig m = s.model;
    m.dtype = dtype;
    m.device = device;
    model_ = std::make_unique<model::Seq2SeqModel>(m, s.source_vocab, s.target_vocab, s.buckets, /*seed=*/1234);
    model_->create_variables();
    params_ = model_->params().parameters();
  }

  // Sets every parameter to `from`'s values (converted to this run's dtype and device).
  void copy_parameters_from(TrainingRun& from) {
    ASSERT_EQ(params_.size(), from.params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) {
      ASSERT_EQ(params_[i].name(), from.params_[i].name());
      const Tensor host = from.params_[i].value().to(Device::CPU).to_dtype(params_[i].dtype());
      params_[i].mutable_value().copy_from(host);
    }
  }

  // Returns the step's loss (before the update) and leaves the global norm in last_norm().
  double step(const model::Seq2SeqBatch& batch) {
    ag::Tape tape;
    model::ForwardResult fwd;
    {
      ag::TapeScope recording(&tape);
      fwd = model_->forward(batch, model::ForwardMode::Train);
    }
    model_->params().zero_grads();
    tape.backward(fwd.loss);
    tape.clear();
    std::vector<Tensor> grads;
    std::vector<train::ParamRef> refs;
    for (auto& p : params_) {
      grads.push_back(p.grad());
      refs.push_back({p.name(), p.value(), p.grad()});
    }
    norm_ = train::clip_by_global_norm(grads, max_norm_);
    optimizer_->step(refs, learning_rate_);
    return fwd.loss.value().item();
  }
  double last_norm() const { return norm_; }

  std::vector<DType> parameter_dtypes() const {
    std::vector<DType> out;
    for (const auto& p : params_) out.push_back(p.value().dtype());
    return out;
  }

 private:
  std::unique_ptr<model::Seq2SeqModel> model_;
  std::vector<ag::Var> params_;
  std::unique_ptr<train::Optimizer> optimizer_;
  double learning_rate_, max_norm_;
  double norm_ = 0;
};

}  // namespace s2s::test
