#pragma once
// Owns: one benchmark training step of the translate model, the same work as a step of
// train::run_training without data loading and without the gradient all-reduce: forward with the
// tape (ForwardMode::Train, sampled softmax when configured), zero the gradients, backward,
// global norm, clip to max_gradient_norm, SGD update (train::SgdOptimizer; on CUDA, while the
// optimizer has no CUDA kernel, the same v ← v − lr·g with kern::axpy), and on CUDA a
// synchronize so the wall time covers the device work.
#include <memory>
#include <string>
#include <vector>

#include "presets.h"
#include "s2s/train/optimizer.h"
#include "s2s/train/seq2seq_model.h"

namespace s2s::bench {

class TrainStep {
 public:
  TrainStep(const BenchPreset& preset, Device device, std::uint64_t seed);
  // Runs one step on `batch`; returns the loss.
  double run(const train::Seq2SeqBatch& batch);
  train::Seq2SeqModel& model() { return *model_; }
  std::int64_t parameter_count() { return model_->params().total_elements(); }
  // "SgdOptimizer" or "kern::axpy (no CUDA SGD kernel yet)": how the update was done.
  const std::string& update_path() const { return update_path_; }
  // Ops the last step recorded on the tape (each is one or more kernels forward and backward):
  // the step's launch count, to first order, for napkin math on a GPU.
  std::size_t tape_ops() const { return tape_ops_; }

 private:
  void update(double lr);
  BenchPreset preset_;
  Device device_;
  std::unique_ptr<train::Seq2SeqModel> model_;
  std::vector<ag::Var> params_;
  std::vector<Tensor> grads_;
  std::vector<train::ParamRef> refs_;
  train::SgdOptimizer optimizer_;
  bool use_optimizer_ = true;
  std::string update_path_ = "SgdOptimizer";
  std::size_t tape_ops_ = 0;
};

}  // namespace s2s::bench
