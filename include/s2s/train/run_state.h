#pragma once
// Owns: the training run's resumable state besides tensors (RunState), and its mapping to and
// from a CheckpointState: step and loop accumulators, optimizer update count, learning-rate
// schedule history, the softmax sampler's and dropout's RNG positions, the data cursor, the
// validation record (best metric value and step, validations without improvement).
// Also copies parameter / optimizer tensors between a model and a checkpoint, checking names,
// shapes and dtypes both ways (a checkpoint of another model is an error naming the tensor).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "s2s/autograd/var.h"
#include "s2s/data/cursor.h"
#include "s2s/checkpoint/checkpoint.h"
#include "s2s/train/early_stopping.h"
#include "s2s/train/lr_schedule.h"
#include "s2s/train/optimizer.h"

namespace s2s::train {

// translate's accumulators of the current checkpoint window, plus counters.
struct LoopState {
  std::int64_t global_step = 0;
  double loss_sum = 0;         // Σ step losses in the window
  std::int64_t window_steps = 0;
  double tokens_sum = 0;       // target tokens in the window (all ranks)
  double step_seconds = 0;     // wall time in the window (informational, not bitwise-resumed)
  std::int64_t skipped_steps = 0;

  void add(double loss, double tokens) {
    loss_sum += loss;
    tokens_sum += tokens;
    ++window_steps;
  }
  double window_loss() const { return window_steps ? loss_sum / double(window_steps) : 0.0; }
  void reset_window() {
    loss_sum = 0;
    window_steps = 0;
    tokens_sum = 0;
    step_seconds = 0;
  }
};

struct RunState {
  std::int64_t optimizer_updates = 0;
  LrScheduleState schedule;
  PhiloxStream::State softmax_sampler;
  std::uint64_t dropout_counter = 0;
  LoopState loop;
  data::SamplerCursor cursor;
  ValidationState validation;  // best metric and patience (absent in older checkpoints: none yet)
};

void fill_checkpoint_run_state(checkpoint::CheckpointState& state, const RunState& run);
RunState run_state_from_checkpoint(const checkpoint::CheckpointState& state);
std::string run_state_to_json(const checkpoint::CheckpointState& state);  // for the rank-0 broadcast
RunState run_state_from_json(const std::string& json);

// Parameter and optimizer tensors (copied to host) into the checkpoint.
void collect_model_values(checkpoint::CheckpointState& state, std::span<const ag::Var> params, const Optimizer& optimizer);
// The reverse: every parameter must be in the checkpoint with its shape and dtype, and nothing
// else; the optimizer must be the same kind. Copies in place (device tensors included).
void restore_model_values(const checkpoint::CheckpointState& state, std::span<ag::Var> params, Optimizer& optimizer);
// The parameters' values (views), in order.
std::vector<Tensor> collect_values(std::span<const ag::Var> params);

}  // namespace s2s::train
