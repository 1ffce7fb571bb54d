// Owns: checkpoint or export -> model for inference (see model_loader.h).
#include "s2s/model/model_loader.h"

#include <filesystem>

#include "s2s/model/model_file.h"

namespace s2s::model {
namespace {

// The vocabularies, tokenizer and buckets: from the file, checked against a given dataset.
std::shared_ptr<const data::Dataset> translation_data(const ModelFile& mf, const config::TrainConfig& cfg,
                                                      const std::optional<std::string>& dataset) {
  if (mf.assets.empty()) {
    const std::string named = dataset ? *dataset : cfg.data.dataset;
    S2S_CHECK(dataset || std::filesystem::exists(named), "checkpoint ", mf.path, " has format version ",
              mf.format_version,
              ", which does not carry its vocabularies: it needs the dataset it was trained on, and the one its "
              "config names, ",
              named, ", does not exist here (relative to the current folder): pass --dataset PATH to that dataset");
    return data::Dataset::open(named);
  }
  if (!dataset) return dataset_from_assets(mf.assets, mf.path);
  auto ds = data::Dataset::open(*dataset);
  const std::string diff = compare_assets(mf.assets, assets_from_dataset(*ds), mf.path, *dataset);
  S2S_CHECK(diff.empty(), "dataset ", *dataset, " does not match the model in ", mf.path, " (", diff,
            "): decoding with it would map words to the wrong ids. Leave out --dataset (the model file carries its "
            "own vocabularies), or pass the dataset the model was trained on");
  return ds;
}

}  // namespace

LoadedModel load_model(const std::string& checkpoint, const std::optional<std::string>& dataset,
                       std::optional<Device> device) {
  LoadedModel out;
  ModelFile mf = read_model_file(checkpoint);
  const std::string& path = mf.path;
  out.config = config::config_from_yaml_text(mf.config_yaml, path + ":/meta/config_yaml");
  if (device) out.config.model.device = *device;
  // Checked before anything is built: otherwise the first CUDA kernel of create_variables() fails
  // with a message about the kernel, not about the checkpoint.
  S2S_CHECK(out.config.model.device != Device::CUDA || out.config.model.dtype == DType::F32, "checkpoint ", path,
            " holds a ", dtype_name(out.config.model.dtype),
            " model (model.dtype of its config) and the CUDA backend runs float32 only: use --device cpu");
  out.named_dataset = out.config.data.dataset;
  out.dataset = translation_data(mf, out.config, dataset);
  out.config.data.dataset = out.dataset->path();
  std::vector<Bucket> buckets;
  for (const auto& b : out.dataset->buckets()) buckets.emplace_back(b.encoder_size, b.decoder_size);
  out.model = std::make_unique<Seq2SeqModel>(out.config.model, out.dataset->source_vocab().size(),
                                             out.dataset->target_vocab().size(), buckets, out.config.train.seed);
  out.model->create_variables();
  std::size_t matched = 0;
  for (ag::Var& p : out.model->params().parameters()) {
    auto it = mf.params.find(p.name());
    S2S_CHECK(it != mf.params.end(), "checkpoint ", path, " has no parameter ", p.name(),
              " — the dataset's vocabularies or buckets differ from the ones it was trained with?");
    S2S_CHECK(it->second.shape() == p.shape(), "parameter ", p.name(), " is ", shape_str(it->second.shape()),
              " in ", path, " but ", shape_str(p.shape()), " for the dataset ", out.config.data.dataset,
              " (vocabulary sizes differ from training)");
    p.mutable_value().copy_from(it->second.to_dtype(p.dtype()));
    ++matched;
  }
  S2S_CHECK(matched == mf.params.size(), "checkpoint ", path, " has ", mf.params.size(), " parameters, the model ",
            matched);
  out.checkpoint_path = path;
  out.global_step = mf.global_step;
  return out;
}

}  // namespace s2s::model
