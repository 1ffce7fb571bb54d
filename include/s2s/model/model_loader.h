#pragma once
// Owns: rebuilding a trained model from a checkpoint for `s2s decode` and `s2s eval`: the config
// stored in the checkpoint, the dataset it names (or one given instead, whose vocabularies and
// buckets must match the checkpoint's model), and the parameters, verified by checksum on load.
#include <memory>
#include <optional>
#include <string>

#include "s2s/data/dataset_file.h"
#include "s2s/config/config.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::model {

struct LoadedModel {
  config::TrainConfig config;
  std::shared_ptr<const data::Dataset> dataset;
  std::unique_ptr<Seq2SeqModel> model;
  std::string checkpoint_path;
  std::int64_t global_step = 0;
};

// `checkpoint` is a ckpt-*.h5 file or a train_dir (its `latest`). `dataset` overrides the path
// recorded in the checkpoint's config. `device` overrides model.device.
LoadedModel load_model(const std::string& checkpoint, const std::optional<std::string>& dataset = std::nullopt,
                       std::optional<Device> device = std::nullopt);

}  // namespace s2s::model
