// Owns: the benchmark presets (see presets.h).
#include "presets.h"

#include "s2s/core/error.h"

namespace s2s::bench {
namespace {

BenchPreset make(std::string name, std::int64_t layers, std::int64_t size, std::int64_t vocab,
                 std::int64_t samples, std::int64_t batch, std::vector<model::Bucket> buckets) {
  BenchPreset p;
  p.name = std::move(name);
  p.model = config::TrainConfig().model;  // every other field at the option table's default
  p.model.cell = model::CellType::Gru;
  p.model.num_layers = layers;
  p.model.size = size;
  p.model.embedding_size = 0;  // = size, as translate
  p.model.num_heads = 1;
  p.model.attention = true;
  p.model.num_samples = samples;
  p.model.source_vocab_size = vocab;
  p.model.target_vocab_size = vocab;
  p.model.input_keep_prob = 1.0;
  p.model.output_keep_prob = 1.0;
  p.model.dtype = DType::F32;
  p.model.device = Device::CPU;
  p.source_vocab = p.target_vocab = vocab;
  p.batch = batch;
  p.buckets = std::move(buckets);
  return p;
}

}  // namespace

// gru128/gru256/gru512: the rows of the CPU comparison with the TensorFlow and PyTorch peers
// (bench/cpu_vs_peers.sh), in step with bench/peers/peer_common.py's PRESETS.
std::vector<std::string> preset_names() { return {"tiny", "small", "translate", "gru128", "gru256", "gru512"}; }

BenchPreset find_preset(const std::string& name) {
  if (name == "tiny") return make("tiny", 1, 64, 1000, 0, 32, {{10, 15}});
  if (name == "small") return make("small", 2, 256, 10000, 512, 64, {{10, 15}, {20, 25}});
  if (name == "translate") return make("translate", 3, 1024, 40000, 512, 64, {{5, 10}, {10, 15}, {20, 25}, {40, 50}});
  if (name == "gru128") return make("gru128", 1, 128, 2000, 512, 32, {{10, 15}, {40, 50}});
  if (name == "gru256") return make("gru256", 2, 256, 8000, 512, 64, {{10, 15}, {40, 50}});
  if (name == "gru512") return make("gru512", 3, 512, 40000, 512, 64, {{10, 15}});
  S2S_FAIL("unknown preset '", name, "' (expected tiny, small, translate, gru128, gru256, gru512 or config)");
}

BenchPreset preset_from_config(const std::string& path, const std::vector<std::string>& overrides) {
  config::TrainConfig cfg = config::config_from_yaml_file(path);
  config::config_apply_overrides(cfg, overrides);
  config::config_validate(cfg);
  S2S_CHECK(cfg.model.source_vocab_size > 0 && cfg.model.target_vocab_size > 0, path,
            ": the benchmark has no dataset, so model.source_vocab_size and model.target_vocab_size must be set "
            "(e.g. --set model.source_vocab_size=40000)");
  S2S_CHECK(!cfg.data.buckets.empty(), path, ": data.buckets is empty");
  BenchPreset p;
  p.name = "config";
  p.model = cfg.model;
  p.source_vocab = cfg.model.source_vocab_size;
  p.target_vocab = cfg.model.target_vocab_size;
  p.batch = cfg.train.batch_size;
  p.buckets = cfg.data.buckets;
  p.learning_rate = cfg.optim.learning_rate;
  p.max_gradient_norm = cfg.optim.max_gradient_norm;
  return p;
}

}  // namespace s2s::bench
