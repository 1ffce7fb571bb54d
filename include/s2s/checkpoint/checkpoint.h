#pragma once
// Owns: the checkpoint file (docs/checkpoint-format.md): CheckpointState, its HDF5 schema, the
// CRC32C checksum stored with every dataset and verified on every read, and atomic writing
// (temporary file in the same folder, fsync, rename, fsync of the folder; s2s/io/atomic_file.h).
// Does not own: naming, rotation, the `latest` pointer and --resume (checkpoint_manager.h), nor
// mapping parameters to a model (the trainer fills `params` from the ParamStore by TF name), nor
// the model payload's schema (params, vocabularies, tokenizer, buckets, config: model_payload.h),
// which a checkpoint shares with an exported model file (s2s/model/model_file.h).
// Invariant: read_checkpoint() returns only data whose checksums matched; any corruption or
// truncation is an s2s::Error naming the file and, where it can, the dataset.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "s2s/checkpoint/model_payload.h"
#include "s2s/core/philox.h"
#include "s2s/core/tensor.h"

namespace s2s::checkpoint {

// 3: checksums cover each dataset's path, a /manifest lists every dataset (checksummed.h),
//    state/run_id names the run and state/dataset_fingerprint its training data (absent from
//    older files: read as "").
// 2: the model payload's /model group (vocabularies, tokenizer, buckets; model_payload.h).
// 1: no /model group: decoding needs the dataset the config names (still read).
inline constexpr std::int64_t kCheckpointFormatVersion = 3;
// The first format whose checksums cover paths and which has a manifest (checksummed.h).
inline constexpr std::int64_t kCheckpointFormatPathChecksums = 3;
inline constexpr const char* kCheckpointFormatName = "s2s-checkpoint";
// Kept equal to project(VERSION) in CMakeLists.txt (a unit test checks it).
inline constexpr const char* kS2sVersion = "0.1.0";

// Written by read_checkpoint(); ignored by write_checkpoint(), which records the running versions.
struct CheckpointInfo {
  std::string format;              // "s2s-checkpoint"
  std::int64_t format_version = 0;
  std::string s2s_version;
  std::string hdf5_version;        // "1.10.8"
  double created_unix_s = 0;
};

struct CheckpointState {
  std::map<std::string, Tensor> params;           // TF names ("…/embedding_wrapper/embedding")
  std::map<std::string, Tensor> optimizer_state;  // "<param>/Adam", "beta1_power", …
  std::string optimizer;                          // TF name: GradientDescent | Momentum | Adam
  std::int64_t optimizer_updates = 0;
  std::int64_t global_step = 0;
  double learning_rate = 0;                       // the schedule's base rate
  std::vector<double> previous_losses;            // translate's plateau history
  std::map<std::string, PhiloxStream::State> rng; // every RNG stream, by name
  std::map<std::string, std::int64_t> sampler_cursor;  // opaque to the checkpoint
  std::string sampler_json;                            // opaque to the checkpoint
  std::map<std::string, double> scalars;          // loop accumulators (e.g. "nan_skipped_steps")
  std::string config_yaml;                        // config_to_yaml() of the run
  std::int64_t world_size = 1;                    // at save time (any world size may resume)
  // Random id of the training run, drawn at its fresh start and kept by every resume: tells one
  // run's checkpoints from another's (checkpoint_manager.h). "" in checkpoints of format < 3.
  std::string run_id;
  // What the run trained on (train/resume_check.h, dataset_fingerprint): the training split's input
  // hashes and examples per bucket. "" in checkpoints of format < 3.
  std::string dataset_fingerprint;
  ModelAssets assets;                             // vocabularies, tokenizer, buckets (empty: format 1)
  CheckpointInfo info;
};

// Writes `path` atomically (replacing an existing file only when the new one is complete).
void write_checkpoint(const std::string& path, const CheckpointState& state);
// Reads and verifies every checksum. Errors name the file and the dataset.
CheckpointState read_checkpoint(const std::string& path);
// Verifies every dataset's checksum without keeping the data.
void verify_checkpoint(const std::string& path);
// The run id of a checkpoint whose other data may be corrupt: only state/run_id is read (and its
// checksum verified). nullopt when the file, the dataset or its checksum is unreadable, or the
// format predates run ids.
std::optional<std::string> read_checkpoint_run_id(const std::string& path);

// Exact equality of two states (tensors bitwise, info ignored); the first difference is
// described in `why` when given.
bool checkpoint_states_equal(const CheckpointState& a, const CheckpointState& b,
                             std::string* why = nullptr);

}  // namespace s2s::checkpoint
