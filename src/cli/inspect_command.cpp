// Owns: `s2s inspect FILE`: what a dataset, checkpoint or model export holds (format, sizes, settings).
#include <cstdio>

#include "commands.h"
#include "s2s/data/dataset_file.h"
#include "s2s/data/subword.h"
#include "s2s/io/h5_file.h"
#include "s2s/checkpoint/checkpoint.h"
#include "s2s/model/model_file.h"

namespace s2s::cli {
namespace {

void inspect_dataset(const std::string& path) {
  auto ds = data::Dataset::open(path);
  std::printf("%s: s2s dataset\n", path.c_str());
  std::printf("  vocabulary: source %d, target %d\n", ds->source_vocab().size(), ds->target_vocab().size());
  std::printf("  tokenizer: %s, normalize_digits %s\n", std::string(data::tokenizer_name(ds->tokenizer().kind)).c_str(),
              ds->tokenizer().normalize_digits ? "on" : "off");
  if (const auto& t = ds->tokenizer(); t.kind == data::TokenizerKind::SentencePiece)
    std::printf("  sentencepiece: %s, source model %zu bytes, target model %zu bytes\n",
                t.source_model == t.target_model ? "one joint model" : "separate models",
                t.source_model->serialized().size(), t.target_model->serialized().size());
  for (const auto& split : ds->splits()) {
    std::printf("  split %s:\n", split.c_str());
    const auto sizes = ds->bucket_sizes(split);
    std::int64_t total = 0;
    for (std::size_t b = 0; b < sizes.size(); ++b) {
      std::printf("    bucket %zu (%lld, %lld): %lld pairs\n", b, static_cast<long long>(ds->buckets()[b].encoder_size),
                  static_cast<long long>(ds->buckets()[b].decoder_size), static_cast<long long>(sizes[b]));
      total += sizes[b];
    }
    std::printf("    total: %lld pairs\n", static_cast<long long>(total));
  }
}

// What decoding needs besides the parameters (model_payload.h).
void print_assets(const checkpoint::ModelAssets& a) {
  if (a.empty()) {
    std::printf("  no vocabularies inside (checkpoint format 1): decode/eval need the dataset it names or --dataset\n");
    return;
  }
  std::string buckets;
  for (const auto& b : a.buckets) buckets += (buckets.empty() ? "" : ":") + std::to_string(b[0]) + "," + std::to_string(b[1]);
  std::printf("  vocabulary: source %zu, target %zu; tokenizer %s (digits %s); buckets %s\n", a.source_vocab.size(),
              a.target_vocab.size(), a.tokenizer.type.c_str(), a.tokenizer.normalize_digits ? "normalised" : "kept",
              buckets.c_str());
}

void inspect_checkpoint(const std::string& path) {
  checkpoint::CheckpointState st = checkpoint::read_checkpoint(path);  // verifies every checksum
  std::int64_t elements = 0;
  for (const auto& [name, t] : st.params) elements += t.numel();
  std::printf("%s: s2s checkpoint (format %lld, s2s %s, HDF5 %s), all checksums verified\n", path.c_str(),
              static_cast<long long>(st.info.format_version), st.info.s2s_version.c_str(), st.info.hdf5_version.c_str());
  std::printf("  step %lld, learning rate %.6g, optimizer %s (%lld updates), saved by %lld rank(s), run %s\n",
              static_cast<long long>(st.global_step), st.learning_rate, st.optimizer.c_str(),
              static_cast<long long>(st.optimizer_updates), static_cast<long long>(st.world_size),
              st.run_id.empty() ? "(not recorded)" : st.run_id.c_str());
  std::printf("  %zu parameters, %lld elements:\n", st.params.size(), static_cast<long long>(elements));
  for (const auto& [name, t] : st.params)
    std::printf("    %-90s %s %s\n", name.c_str(), shape_str(t.shape()).c_str(), std::string(dtype_name(t.dtype())).c_str());
  std::printf("  optimizer state: %zu tensors; RNG streams: %zu; previous losses: %zu\n", st.optimizer_state.size(),
              st.rng.size(), st.previous_losses.size());
  print_assets(st.assets);
}

void inspect_model_file(const std::string& path) {
  const model::ModelFile m = model::read_model_file(path);  // verifies every checksum it reads
  std::int64_t elements = 0;
  for (const auto& [name, t] : m.params) elements += t.numel();
  std::printf("%s: s2s model export (format %lld), all checksums verified\n", path.c_str(),
              static_cast<long long>(m.format_version));
  std::printf("  step %lld, from %s\n", static_cast<long long>(m.global_step), m.source.c_str());
  std::printf("  %zu parameters, %lld elements\n", m.params.size(), static_cast<long long>(elements));
  print_assets(m.assets);
}

int run_inspect(const std::string& path) {
  std::string format;
  {
    io::File f = io::File::open(path);
    S2S_CHECK(f.has_attribute("format"), path, " is an HDF5 file but not an s2s dataset or checkpoint (no 'format' attribute)");
    format = f.attribute_string("format");
  }
  if (format == "s2s-dataset") inspect_dataset(path);
  else if (format == checkpoint::kCheckpointFormatName) inspect_checkpoint(path);
  else if (format == model::kModelFormatName) inspect_model_file(path);
  else S2S_FAIL(path, ": unknown format '", format, "' (expected s2s-dataset, ", checkpoint::kCheckpointFormatName,
                " or ", model::kModelFormatName, ")");
  return 0;
}
}  // namespace

CommandRunner setup_inspect(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  app.add_option("file", *path, "a dataset (.h5 from s2s prepare), a checkpoint (ckpt-*.h5) or a model export")->required();
  return [path] { return run_inspect(*path); };
}

}  // namespace s2s::cli
