#pragma once
// Owns: one benchmark training step of the translate model, the same device work as a step of
// train::run_training without data loading and without the gradient all-reduce: the host part
// (make_feed: sampled-softmax draws, dropout counter), the device part through train::StepRunner
// (zero gradients, forward, backward; eager, or a CUDA graph per bucket after warm-up), the
// global norm² into device memory, the clip scale applied on the device, and the SGD update.
// Like the trainer between sync points, run() never waits for the GPU; sync() does (and reads
// the last loss), so a timing taken around several run()s plus one sync() is the step rate a
// training run sees.
// With a PhaseTimer set (s2s_bench_train --phases), run() marks the phases of the step on the
// device timeline (kernels/phase_timer.h): "feed" (make_feed, then StepRunner::stage: the feed's
// copy into the bucket's buffers), "forward+backward" (StepRunner::run: the eager step or the
// graph replay), "norm+clip", "update", then "idle" (from the end of the update to the next step's
// first mark: the device waiting for the host; the last one before a collect is not charged).
#include <memory>
#include <string>
#include <vector>

#include "presets.h"
#include "s2s/kernels/phase_timer.h"
#include "s2s/train/optimizer.h"
#include "s2s/model/seq2seq_model.h"
#include "s2s/train/step_runner.h"

namespace s2s::bench {

class TrainStep {
 public:
  TrainStep(const BenchPreset& preset, Device device, std::uint64_t seed, bool cuda_graphs);
  // Queues one step on `batch` (host work done, device work possibly still running).
  void run(const model::Seq2SeqBatch& batch);
  // Waits for the device; returns the loss of the last step run.
  double sync();
  model::Seq2SeqModel& model() { return *model_; }
  std::int64_t parameter_count() { return model_->params().total_elements(); }
  // Ops the last eager step recorded on the tape (each is one or more kernels forward and
  // backward): the step's launch count, to first order, for napkin math on a GPU.
  std::size_t tape_ops() const { return tape_ops_; }
  const train::StepRunner& runner() const { return *runner_; }
  // Marks the phases of every later run() on `timer` (nullptr: none, the default). The timer
  // must be on the step's device and outlive its use here.
  void set_phase_timer(kern::PhaseTimer* timer) { phases_ = timer; }

 private:
  BenchPreset preset_;
  Device device_;
  std::unique_ptr<model::Seq2SeqModel> model_;
  std::unique_ptr<train::StepRunner> runner_;
  std::vector<ag::Var> params_;
  std::vector<Tensor> grads_;
  std::vector<train::ParamRef> refs_;
  train::SgdOptimizer optimizer_;
  Tensor norm_sq_, loss_;
  std::size_t tape_ops_ = 0;
  kern::PhaseTimer* phases_ = nullptr;
};

}  // namespace s2s::bench
