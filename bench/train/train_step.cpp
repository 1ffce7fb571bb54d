// Owns: the benchmark training step (see train_step.h).
#include "train_step.h"

#include <cstdio>
#include <string_view>

#include "s2s/autograd/var.h"
#include "s2s/kernels/clip.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::bench {

TrainStep::TrainStep(const BenchPreset& preset, Device device, std::uint64_t seed, bool cuda_graphs)
    : preset_(preset), device_(device) {
  model::ModelConfig config = preset.model;
  config.device = device;
  model_ = std::make_unique<model::Seq2SeqModel>(config, preset.source_vocab, preset.target_vocab, preset.buckets,
                                                 seed);
  model_->create_variables();
  params_ = model_->params().parameters();
  for (auto& p : params_) {
    grads_.push_back(p.grad());  // allocated once, as the trainer does
    refs_.push_back({p.name(), p.value(), p.grad()});
  }
  optimizer_.init(refs_);
  norm_sq_ = Tensor::zeros({1}, config.dtype, device);
  train::StepRunner::Options so;
  so.cuda_graphs = cuda_graphs;
  runner_ = std::make_unique<train::StepRunner>(*model_, so, [](const std::string& w) {
    std::fprintf(stderr, "warning: %s\n", w.c_str());
  });
}

void TrainStep::run(const model::Seq2SeqBatch& batch) {
  auto mark = [this](std::string_view phase) {
    if (phases_ != nullptr) phases_->mark(phase);
  };
  mark("feed");
  runner_->stage(model_->make_feed(batch, model::ForwardMode::Train));
  mark("forward+backward");
  const auto ran = runner_->run(ag::Tape::GradReadyFn{});
  loss_ = ran.loss;
  if (ran.tape_ops > 0) tape_ops_ = ran.tape_ops;
  mark("norm+clip");
  kern::global_sum_squares(norm_sq_, grads_);
  if (preset_.max_gradient_norm > 0)
    for (Tensor& g : grads_) kern::scale_by_global_norm(g, norm_sq_, preset_.max_gradient_norm);
  mark("update");
  optimizer_.step(refs_, preset_.learning_rate);
  mark("idle");
}

double TrainStep::sync() {
  if (device_ == Device::CUDA) cuda::synchronize();
  return loss_.defined() ? loss_.item() : 0.0;
}

}  // namespace s2s::bench
