#pragma once
// Owns: what a resume may change (issue 15 item 5, "silent drift"): the config a checkpoint
// stores against the config of the run resuming it, and the checkpoint's vocabularies, tokenizer
// and buckets against the dataset's. Options free on resume (config.h, OptionInfo::free_on_resume:
// max_steps, log_every, train_dir, ...) may differ and are logged; any other difference is an
// error naming every differing key with both values, unless the user passed
// `s2s train --allow-config-change`, which logs each change and lets the new values apply.
// train.batch_size is per rank: a change that keeps the global batch (batch_size x world size)
// equal to the checkpoint's is free (a resume on another number of ranks; docs/distributed.md).
// The training data: the checkpoint's dataset fingerprint (the train split's input SHA-256s and
// examples per bucket, as `s2s prepare` recorded them) must equal the dataset's; another corpus
// with the same vocabularies is refused like a fixed key (allowed, and logged, with the flag).
// A dataset whose vocabularies, tokenizer or buckets differ from the checkpoint's is refused even
// then: the checkpoint's embeddings index the vocabulary it was trained with.
// Does not own: applying the changes (session.cpp), nor tensor shape checks (run_state.h).
#include <cstdint>
#include <string>
#include <vector>

#include "s2s/checkpoint/checkpoint.h"
#include "s2s/config/config.h"
#include "s2s/data/dataset_file.h"

namespace s2s::train {

struct ResumeCheck {
  std::vector<config::ConfigChange> changes;  // every option that differs, free ones included
  std::vector<std::string> notes;             // lines to log (changes, and why a comparison was skipped)
};

// `checkpoint_path` names the checkpoint in messages; `dataset_assets` are the vocabularies,
// tokenizer and buckets of the dataset the resuming run opened (model::assets_from_dataset).
// Throws s2s::Error listing every refused change.
ResumeCheck check_resume(const checkpoint::CheckpointState& saved, const std::string& checkpoint_path,
                         const config::TrainConfig& current, std::int64_t world_size,
                         const checkpoint::ModelAssets& dataset_assets, const std::string& dataset_fingerprint,
                         bool allow_config_change);

// "train: source sha256 …, target sha256 …, examples per bucket [32, 64]" from the dataset's
// records ("" for a dataset without a train split).
std::string dataset_fingerprint(const data::Dataset& dataset);

}  // namespace s2s::train
