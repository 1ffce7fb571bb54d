// Owns: the benchmark training step (see train_step.h).
#include "train_step.h"

#include "s2s/autograd/var.h"
#include "s2s/core/error.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/train/clip.h"

namespace s2s::bench {

TrainStep::TrainStep(const BenchPreset& preset, Device device, std::uint64_t seed)
    : preset_(preset), device_(device) {
  train::ModelConfig config = preset.model;
  config.device = device;
  model_ = std::make_unique<train::Seq2SeqModel>(config, preset.source_vocab, preset.target_vocab, preset.buckets,
                                                 seed);
  model_->create_variables();
  params_ = model_->params().parameters();
  for (auto& p : params_) {
    grads_.push_back(p.grad());  // allocated once, as the trainer does
    refs_.push_back({p.name(), p.value(), p.grad()});
  }
  optimizer_.init(refs_);
}

void TrainStep::update(double lr) {
  if (use_optimizer_) {
    try {
      optimizer_.step(refs_, lr);
      return;
    } catch (const s2s::Error& e) {
      // update_rules.cpp refuses CUDA tensors until it has a CUDA kernel; it checks before it
      // touches anything, so falling back here applies each update exactly once.
      if (device_ != Device::CUDA) throw;
      use_optimizer_ = false;
      update_path_ = "kern::axpy (SgdOptimizer: no CUDA kernel yet)";
    }
  }
  for (auto& p : params_) kern::axpy(p.mutable_value(), p.grad(), -lr);
}

double TrainStep::run(const train::Seq2SeqBatch& batch) {
  ag::Tape tape;
  train::ForwardResult fwd;
  {
    ag::TapeScope recording(&tape);
    fwd = model_->forward(batch, train::ForwardMode::Train);
  }
  model_->params().zero_grads();
  tape.backward(fwd.loss);
  tape_ops_ = tape.size();
  tape.clear();
  const double loss = fwd.loss.value().item();
  const double norm = train::global_norm(grads_);
  if (preset_.max_gradient_norm > 0) train::scale_to_global_norm(grads_, norm, preset_.max_gradient_norm);
  update(preset_.learning_rate);
  if (device_ == Device::CUDA) cuda::synchronize();
  return loss;
}

}  // namespace s2s::bench
