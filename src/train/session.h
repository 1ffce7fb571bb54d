#pragma once
// Owns (private to src/train): the training run's objects, built once (model, optimizer,
// schedule, checkpoints, data, reducer, step history and runner, validator), and the three steps
// around the loop that touch them all: build, restore (or broadcast the initial values), start the
// data, and save a checkpoint. The loop itself is trainer.cpp's.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "s2s/checkpoint/checkpoint_manager.h"
#include "s2s/checkpoint/train_dir_lock.h"
#include "s2s/config/config.h"
#include "s2s/data/cursor.h"
#include "s2s/data/dataset_file.h"
#include "s2s/data/prefetch.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/sparse_exchange.h"
#include "s2s/dist/world.h"
#include "s2s/model/seq2seq_model.h"
#include "s2s/train/lr_schedule.h"
#include "s2s/train/optimizer.h"
#include "s2s/train/run_state.h"
#include "s2s/train/step_history.h"
#include "s2s/train/step_runner.h"
#include "s2s/train/validation.h"

namespace s2s::train {

struct Session {
  Session(const config::TrainConfig& c, dist::World& w, bool allow_change = false)
      : cfg(c), world(w), allow_config_change(allow_change) {}
  const config::TrainConfig& cfg;
  dist::World& world;
  // `s2s train --allow-config-change`: a resume may change options that are not free on resume
  // (resume_check.h).
  const bool allow_config_change;
  // Rank 0's hold on train_dir (train_dir_lock.h), from build() to the end of the run.
  std::unique_ptr<checkpoint::TrainDirLock> lock;
  // The run's id (checkpoint.h), stored in every checkpoint; set on rank 0 by restore_or_broadcast.
  std::string run_id;
  std::shared_ptr<const data::Dataset> dataset;
  std::unique_ptr<model::Seq2SeqModel> model;
  std::vector<ag::Var> params;
  std::vector<ParamRef> refs;
  std::vector<Tensor> grads;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<checkpoint::CheckpointManager> checkpoints;
  std::unique_ptr<data::Prefetcher> prefetcher;
  std::unique_ptr<dist::GradientReducer> reducer;
  // dist.sparse_gradients != off: the parameters (indices into params/refs/grads) whose gradients
  // are row-sparse (embeddings, sampled-softmax proj_w), kept out of the reducer's buckets and
  // averaged by `sparse` after it (trainer.cpp).
  std::vector<std::size_t> sparse_params;
  std::unique_ptr<dist::SparseExchange> sparse;
  // Loss, tokens, signal flags and gradient norm of the steps since the last sync point, on the
  // device; the aux part is all-reduced with the gradients.
  std::unique_ptr<StepHistory> history;
  std::unique_ptr<StepRunner> runner;
  // BLEU/chrF validation on the dev split; null when train.validate_every is 0 or (left at its
  // default) the dataset has no dev sentences.
  std::unique_ptr<Validator> validator;
  LoopState loop;
  ValidationState validation;
};

// The run-wide settings (collective deadline, matmul precision), then the model and everything
// a step needs; logs the model line on rank 0.
void build(Session& s);
// Restores a checkpoint (read by rank 0, broadcast to all) or broadcasts rank 0's initial
// values; returns the data cursor to continue from (nullopt: a fresh start). A resume is checked
// against the checkpoint's config and assets first (resume_check.h).
std::optional<data::SamplerCursor> restore_or_broadcast(Session& s);
void start_data(Session& s, const std::optional<data::SamplerCursor>& cursor);
// Rank 0 writes ckpt-<global_step>.h5 (returns its path; "" on other ranks); all ranks wait.
std::string save(Session& s);

}  // namespace s2s::train
