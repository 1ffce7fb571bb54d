// Owns: checkpoint -> model for inference (see model_loader.h).
#include "s2s/model/model_loader.h"

#include <filesystem>

#include "s2s/checkpoint/checkpoint.h"
#include "s2s/checkpoint/checkpoint_manager.h"

namespace s2s::model {

LoadedModel load_model(const std::string& checkpoint, const std::optional<std::string>& dataset,
                       std::optional<Device> device) {
  LoadedModel out;
  std::string path = checkpoint;
  if (std::filesystem::is_directory(checkpoint)) {
    checkpoint::CheckpointManager manager(checkpoint, 0);
    checkpoint::ResumeChoice choice = manager.resolve_resume(checkpoint);
    S2S_CHECK(choice.path.has_value(), "no checkpoint found in ", checkpoint);
    path = *choice.path;
  }
  checkpoint::CheckpointState st = checkpoint::read_checkpoint(path);
  out.config = config::config_from_yaml_text(st.config_yaml, path + ":/config");
  if (dataset) out.config.data.dataset = *dataset;
  if (device) out.config.model.device = *device;
  // Checked before anything is built: otherwise the first CUDA kernel of create_variables() fails
  // with a message about the kernel, not about the checkpoint.
  S2S_CHECK(out.config.model.device != Device::CUDA || out.config.model.dtype == DType::F32, "checkpoint ", path,
            " holds a ", dtype_name(out.config.model.dtype),
            " model (model.dtype of its config) and the CUDA backend runs float32 only: use --device cpu");
  out.dataset = data::Dataset::open(out.config.data.dataset);
  std::vector<Bucket> buckets;
  for (const auto& b : out.dataset->buckets()) buckets.emplace_back(b.encoder_size, b.decoder_size);
  out.model = std::make_unique<Seq2SeqModel>(out.config.model, out.dataset->source_vocab().size(),
                                             out.dataset->target_vocab().size(), buckets, out.config.train.seed);
  out.model->create_variables();
  std::size_t matched = 0;
  for (ag::Var& p : out.model->params().parameters()) {
    auto it = st.params.find(p.name());
    S2S_CHECK(it != st.params.end(), "checkpoint ", path, " has no parameter ", p.name(),
              " — the dataset's vocabularies or buckets differ from the ones it was trained with?");
    S2S_CHECK(it->second.shape() == p.shape(), "parameter ", p.name(), " is ", shape_str(it->second.shape()),
              " in ", path, " but ", shape_str(p.shape()), " for the dataset ", out.config.data.dataset,
              " (vocabulary sizes differ from training)");
    p.mutable_value().copy_from(it->second.to_dtype(p.dtype()));
    ++matched;
  }
  S2S_CHECK(matched == st.params.size(), "checkpoint ", path, " has ", st.params.size(), " parameters, the model ",
            matched);
  out.checkpoint_path = path;
  out.global_step = st.global_step;
  return out;
}

}  // namespace s2s::model
