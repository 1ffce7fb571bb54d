#pragma once
// Owns: rebuilding a trained model for `s2s decode` and `s2s eval` from a checkpoint, a train_dir
// or an exported model file (model_file.h): the config, vocabularies, tokenizer and buckets the
// file carries, and the parameters, verified by checksum on load. No dataset is needed.
//  - With a dataset given, its vocabularies, tokenizer and buckets must equal the file's
//    (contents, not sizes): otherwise an error naming both files and the first difference.
//  - A checkpoint of format 1 carries no vocabularies: the dataset given, else the one its config
//    names; when that does not exist, an error saying to pass --dataset.
#include <memory>
#include <optional>
#include <string>

#include "s2s/config/config.h"
#include "s2s/data/dataset_file.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::model {

struct LoadedModel {
  config::TrainConfig config;                     // data.dataset: the dataset used, or the model file
  std::shared_ptr<const data::Dataset> dataset;   // the given dataset, or a split-less one from the file
  std::unique_ptr<Seq2SeqModel> model;
  std::string checkpoint_path;
  std::int64_t global_step = 0;
  std::string named_dataset;                      // data.dataset of the stored config (maybe elsewhere)
};

// `checkpoint` is a ckpt-*.h5 file, an export, or a train_dir (its `latest`). `dataset`: see
// above. `device` overrides model.device.
LoadedModel load_model(const std::string& checkpoint, const std::optional<std::string>& dataset = std::nullopt,
                       std::optional<Device> device = std::nullopt);

}  // namespace s2s::model
