// Owns: `s2s export` and `s2s average`: inference-only model files (model/model_file.h,
// docs/model-format.md) from a checkpoint, or from the parameter mean of several checkpoints
// (model/average.h). Both write atomically and print the written path on stdout.
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "s2s/checkpoint/checkpoint_manager.h"
#include "s2s/data/dataset_file.h"
#include "s2s/model/average.h"
#include "s2s/model/model_file.h"

namespace s2s::cli {
namespace {

struct ExportOptions {
  std::string checkpoint;
  std::string dataset;
  std::string output;
};

int run_export(const ExportOptions& o) {
  model::ModelFile m = model::read_model_file(o.checkpoint);
  if (m.assets.empty()) {
    S2S_CHECK(!o.dataset.empty(), "checkpoint ", m.path, " has format version ", m.format_version,
              ", which does not carry its vocabularies: pass --dataset PATH (the dataset it was trained on)");
    m.assets = model::assets_from_dataset(*data::Dataset::open(o.dataset));
  } else if (!o.dataset.empty()) {
    const std::string diff =
        model::compare_assets(m.assets, model::assets_from_dataset(*data::Dataset::open(o.dataset)), m.path, o.dataset);
    S2S_CHECK(diff.empty(), "dataset ", o.dataset, " does not match the model in ", m.path, " (", diff,
              "): leave out --dataset, the checkpoint carries its own vocabularies");
  }
  if (m.source.empty()) m.source = m.path;
  model::write_model_file(o.output, m);
  std::fprintf(stderr, "s2s export: %s (step %lld, %zu parameters) -> %s\n", m.path.c_str(),
               static_cast<long long>(m.global_step), m.params.size(), o.output.c_str());
  std::printf("%s\n", o.output.c_str());
  return 0;
}

struct AverageOptions {
  std::vector<std::string> checkpoints;
  std::int64_t last = 0;
  std::string train_dir;
  std::string output;
};

int run_average(const AverageOptions& o) {
  std::vector<std::string> paths = o.checkpoints;
  if (o.last > 0) {
    S2S_CHECK(std::filesystem::is_directory(o.train_dir), "--train-dir ", o.train_dir, " is not a folder");
    auto files = checkpoint::CheckpointManager(o.train_dir, 0).list();
    S2S_CHECK(static_cast<std::int64_t>(files.size()) >= o.last, "--last ", o.last, ": ", o.train_dir, " has only ",
              files.size(), " checkpoint(s)");
    for (std::size_t i = files.size() - static_cast<std::size_t>(o.last); i < files.size(); ++i)
      paths.push_back(files[i].path);
  }
  std::vector<model::ModelFile> inputs;
  for (const auto& p : paths) inputs.push_back(model::read_model_file(p));
  model::ModelFile avg = model::average_models(inputs);
  model::write_model_file(o.output, avg);
  std::fprintf(stderr, "s2s average: %zu model files (step %lld is the newest) -> %s\n", inputs.size(),
               static_cast<long long>(avg.global_step), o.output.c_str());
  std::printf("%s\n", o.output.c_str());
  return 0;
}

}  // namespace

CommandRunner setup_export(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  app.add_option("--checkpoint", o->checkpoint, "checkpoint file, or a train_dir (its latest)")->required();
  app.add_option("--dataset", o->dataset,
                 "only for checkpoints of format 1 (no vocabularies inside): the dataset they were trained on");
  app.add_option("--output,-o", o->output, "the model file to write (replaced atomically)")->required();
  return [o] { return run_export(*o); };
}

CommandRunner setup_average(CLI::App& app) {
  auto o = std::make_shared<AverageOptions>();
  auto* given = app.add_option("--checkpoints", o->checkpoints, "checkpoint or model files to average");
  auto* last = app.add_option("--last", o->last, "average the newest N checkpoints of --train-dir")
                   ->check(CLI::PositiveNumber);
  auto* dir = app.add_option("--train-dir", o->train_dir, "the train_dir of --last");
  given->excludes(last);
  last->needs(dir);
  dir->needs(last);
  app.add_option("--output,-o", o->output, "the model file to write (an export; replaced atomically)")->required();
  return [o] {
    S2S_CHECK(!o->checkpoints.empty() || o->last > 0, "give --checkpoints A B ... or --last N --train-dir DIR");
    return run_average(*o);
  };
}

}  // namespace s2s::cli
