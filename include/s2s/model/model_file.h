#pragma once
// Owns: the files a trained model can be loaded from for translation, and the exported model file
// (docs/model-format.md):
//   - a checkpoint (format "s2s-checkpoint", checkpoint.h) or a train_dir (its `latest`);
//   - an export (format "s2s-model"): the model payload only (model_payload.h: parameters,
//     vocabularies, tokenizer, buckets, config), no optimizer or loop state, plus /meta/global_step
//     and /meta/source (the checkpoint it was exported from). Written atomically.
// Also the two-way mapping between the payload's plain values (ModelAssets) and the data part's
// types (Vocabulary, TokenizerOptions, Bucket), and a split-less data::Dataset built from them,
// which is all decoding needs.
// Does not own: building the model from a file (model_loader.h), training state (checkpoint.h).
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "s2s/checkpoint/model_payload.h"
#include "s2s/core/tensor.h"
#include "s2s/data/dataset_file.h"

namespace s2s::model {

inline constexpr const char* kModelFormatName = "s2s-model";
// 2: checksums cover each dataset's path and a /manifest lists every dataset (checkpoint/checksummed.h).
// 1: checksums over the data alone (still read).
inline constexpr std::int64_t kModelFormatVersion = 2;

struct ModelFile {
  std::string path;                      // the file read (a train_dir resolved to its checkpoint)
  std::string format;                    // "s2s-checkpoint" | "s2s-model"
  std::int64_t format_version = 0;
  std::map<std::string, Tensor> params;  // TF names
  checkpoint::ModelAssets assets;        // empty for a checkpoint of format 1
  std::string config_yaml;
  std::int64_t global_step = 0;
  std::string source;                    // export: the checkpoint it came from; else empty
};

// A ckpt-*.h5 or export file as given; a folder: the checkpoint its `latest` names (verified).
std::string resolve_model_path(const std::string& checkpoint_or_dir);
// Reads the payload of a checkpoint or an export, verifying the checksums of what it reads.
// Errors name the file.
ModelFile read_model_file(const std::string& checkpoint_or_dir);
// Writes an export atomically (the payload must carry assets). Errors name the file.
void write_model_file(const std::string& path, const ModelFile& model);

checkpoint::ModelAssets assets_from_dataset(const data::Dataset& dataset);
data::TokenizerOptions tokenizer_from_spec(const checkpoint::TokenizerSpec& spec, const std::string& origin);
// The split-less dataset of a payload's assets (vocabularies validated as on load); `origin`
// names the file in messages.
std::shared_ptr<const data::Dataset> dataset_from_assets(const checkpoint::ModelAssets& assets,
                                                         const std::string& origin);
// "" when the dataset's vocabularies, tokenizer and buckets equal the assets' (contents, in
// order); else what differs first ("source vocabulary: id 7 is 'chat' in A, 'chien' in B").
std::string compare_assets(const checkpoint::ModelAssets& a, const checkpoint::ModelAssets& b,
                           const std::string& a_name, const std::string& b_name);

}  // namespace s2s::model
