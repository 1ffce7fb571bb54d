// Owns: the comparison of a checkpoint's config and assets with a resuming run's (see
// resume_check.h).
#include "s2s/train/resume_check.h"

#include "s2s/core/error.h"
#include "s2s/io/h5_file.h"

namespace s2s::train {
namespace {

std::string describe(const config::ConfigChange& c) { return c.key + ": " + c.before + " -> " + c.after; }

// What differs between the checkpoint's assets and the dataset's, "" when nothing does.
std::string asset_difference(const checkpoint::ModelAssets& saved, const checkpoint::ModelAssets& now) {
  std::string d;
  auto add = [&](const std::string& what) { d += (d.empty() ? "" : "; ") + what; };
  if (saved.source_vocab != now.source_vocab)
    add("source vocabulary (" + std::to_string(saved.source_vocab.size()) + " tokens saved, " +
        std::to_string(now.source_vocab.size()) + " in the dataset)");
  if (saved.target_vocab != now.target_vocab)
    add("target vocabulary (" + std::to_string(saved.target_vocab.size()) + " tokens saved, " +
        std::to_string(now.target_vocab.size()) + " in the dataset)");
  if (!(saved.tokenizer == now.tokenizer)) add("tokenizer");
  if (saved.buckets != now.buckets) add("buckets");
  return d;
}

}  // namespace

ResumeCheck check_resume(const checkpoint::CheckpointState& saved, const std::string& checkpoint_path,
                         const config::TrainConfig& current, std::int64_t world_size,
                         const checkpoint::ModelAssets& dataset_assets, const std::string& fingerprint,
                         bool allow_config_change) {
  ResumeCheck out;
  if (!saved.assets.empty()) {
    const std::string d = asset_difference(saved.assets, dataset_assets);
    S2S_CHECK(d.empty(), "cannot resume from ", checkpoint_path, ": dataset ", current.data.dataset,
              " differs from the one the checkpoint was trained on: ", d,
              ". Resume with the original dataset (or one prepared with the same vocabularies and buckets)");
  }
  std::vector<std::string> refused;
  if (!saved.dataset_fingerprint.empty() && saved.dataset_fingerprint != fingerprint) {
    const std::string d = "training data: " + saved.dataset_fingerprint + " -> " +
                          (fingerprint.empty() ? std::string("(none recorded)") : fingerprint);
    if (allow_config_change) out.notes.push_back("resume changes " + d + " (allowed by --allow-config-change)");
    else refused.push_back(d);
  }
  if (saved.config_yaml.empty()) {
    S2S_CHECK(refused.empty(), "cannot resume from ", checkpoint_path, ": ", refused.front());
    out.notes.push_back("the checkpoint stores no config: resume settings not compared");
    return out;
  }
  config::TrainConfig before;
  try {
    before = config::config_from_yaml_text(saved.config_yaml, checkpoint_path + " (its stored config)");
  } catch (const Error& e) {
    // A checkpoint of an s2s whose options this one does not know: still loadable, not comparable.
    S2S_CHECK(refused.empty(), "cannot resume from ", checkpoint_path, ": ", refused.front());
    out.notes.push_back(std::string("the checkpoint's stored config is not readable by this s2s (") + e.what() +
                        "): resume settings not compared");
    return out;
  }
  out.changes = config::config_changes(before, current);
  for (auto& c : out.changes) {
    if (c.key == "train.batch_size" &&
        before.train.batch_size * saved.world_size == current.train.batch_size * world_size) {
      c.free_on_resume = true;  // the same global batch on another number of ranks
      out.notes.push_back("resume changes " + describe(c) + " on " + std::to_string(world_size) + " rank(s) instead of " +
                          std::to_string(saved.world_size) + " (global batch unchanged: " +
                          std::to_string(current.train.batch_size * world_size) + ")");
    } else if (c.free_on_resume) {
      out.notes.push_back("resume changes " + describe(c));
    } else if (allow_config_change) {
      out.notes.push_back("resume changes " + describe(c) + " (allowed by --allow-config-change; results differ from "
                          "an uninterrupted run)");
    } else {
      refused.push_back(describe(c));
    }
  }
  if (!refused.empty()) {
    std::string list;
    for (const auto& r : refused) list += "\n  " + r;
    S2S_FAIL("cannot resume from ", checkpoint_path, ": ", refused.size(),
             " setting(s) that change what the run computes differ from the checkpoint's (saved -> now):", list,
             "\nResume with the checkpoint's values, start a new train_dir, or pass --allow-config-change to "
             "continue with the new values (docs/config.md lists the keys free to change on resume)");
  }
  return out;
}

std::string dataset_fingerprint(const data::Dataset& dataset) {
  if (!dataset.has_split("train")) return {};
  const io::Group train = dataset.file().open_group("train");
  auto attr = [&](const char* name) {
    return train.has_attribute(name) ? train.attribute_string(name) : std::string("(not recorded)");
  };
  std::string sizes;
  for (std::int64_t n : dataset.bucket_sizes("train")) sizes += (sizes.empty() ? "" : ", ") + std::to_string(n);
  return "train: source sha256 " + attr("source_sha256") + ", target sha256 " + attr("target_sha256") +
         ", examples per bucket [" + sizes + "]";
}

}  // namespace s2s::train
