#pragma once
// Owns: TrainConfig, the typed configuration of `s2s train`, and everything derived from its one
// option table (src/config/config_table.cpp): defaults, YAML loading, `--set key.sub=value`
// overrides, validation, dumping back to YAML (stored in checkpoints) and the docs/config.md table.
// Does not own: the command line itself (cli/), nor checks that need the dataset (vocabulary and
// bucket agreement), which the trainer does once the dataset is open.
// Invariant: a TrainConfig that left load/apply/validate is valid; model and trainer code read its
// fields and never parse strings.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s2s/core/dtype.h"
#include "s2s/model/model_config.h"

namespace s2s::config {

// The model's own options live with the model (model/model_config.h); the table fills them.
using model::Bucket;
using model::CellType;
using model::ModelConfig;

enum class SamplerMode { Epochs, Fidelity };
enum class OptimizerKind { Sgd, Momentum, Adam };
enum class DecayPolicy { Plateau, None };
enum class EvalMode { Full, Translate, Both };
enum class NanPolicy { Stop, Skip };
enum class BestMetric { Bleu, Chrf, Perplexity };  // what `best.h5` and early stopping follow
enum class ReducerKind { Mpi, Nccl, None, Auto };
// Row-sparse gradients of embeddings and the sampled-softmax proj_w (docs/scaling.md): off = dense
// everywhere; auto / sparse / dense = row-sparse backward and TF's sparse optimizer rules, with
// the cross-rank exchange chosen per tensor by bytes / always the union's rows / always dense.
enum class SparseGradients { Off, Auto, Sparse, Dense };
enum class Precision { Float32, TF32, BF16 };  // of float32 matrix products (kernels/gemm.h)

struct DataConfig {
  std::string dataset;
  std::vector<model::Bucket> buckets;
  SamplerMode sampler;
  std::uint64_t seed;
  std::int64_t max_train_data_size;  // 0: no limit
};

struct OptimConfig {
  OptimizerKind optimizer;
  double learning_rate;
  double learning_rate_decay_factor;
  DecayPolicy decay;
  double max_gradient_norm;  // 0: no clipping
  double momentum;
  double adam_beta1;
  double adam_beta2;
  double adam_epsilon;
  std::int64_t warmup_steps;
};

struct TrainLoopConfig {
  std::int64_t batch_size;
  std::int64_t max_steps;  // 0: until stopped
  std::int64_t steps_per_checkpoint;
  std::int64_t log_every;
  std::string train_dir;
  std::int64_t keep_checkpoints;  // 0: keep all
  std::string resume;             // auto | none | PATH
  EvalMode eval;
  NanPolicy nan_policy;
  std::uint64_t seed;
  // How often the host reads the step's loss, gradient norm and signal flags back from the device
  // (trainer.h, "sync points"); 0: auto = every step on the CPU, every 16 steps on CUDA.
  std::int64_t sync_every;
  bool cuda_graphs;     // capture each bucket's forward + backward once and replay it (CUDA)
  Precision precision;  // float32 matrix products: float32, TF32 or bf16 operands
  // Validation (train/validation.h): decode the dev split every `validate_every` checkpoints
  // (0: never) and score BLEU/chrF; `best_metric` picks best.h5; early stopping after
  // `early_stopping_patience` validations without improvement (0: never).
  std::int64_t validate_every;
  std::int64_t validation_beam;  // 1: greedy decoding; k > 1: beam search with k beams
  BestMetric best_metric;
  std::int64_t early_stopping_patience;
  // The sync interval in effect for `device` (resolves 0; nan_policy skip needs every step).
  std::int64_t effective_sync_every(Device device) const;
};

struct DistConfig {
  ReducerKind reducer;
  std::int64_t bucket_bytes;
  double timeout_s;
  bool require_shared_train_dir;
  SparseGradients sparse_gradients;
};

struct TrainConfig {
  model::ModelConfig model;
  DataConfig data;
  OptimConfig optim;
  TrainLoopConfig train;
  DistConfig dist;

  // Keys ("optim.learning_rate") set by a YAML file or an override rather than left at their
  // default: lets the trainer prefer what the dataset records (buckets) over a default.
  std::vector<std::string> explicit_keys;
  bool is_explicit(std::string_view key) const;

  TrainConfig();  // every field at its table default
};

// One row of the option table (read-only view for docs, help and tools).
struct OptionInfo {
  std::string key;            // "optim.learning_rate"
  std::string type;           // "int", "uint", "float", "bool", "string", "choice", "buckets"
  std::string default_value;  // as YAML text
  std::string allowed;        // "gru | lstm", "> 0", "[0, 1]", "" when any value of the type
  std::string help;
  // May differ between a resumed run and the checkpoint it resumes (docs/config.md, "Resuming"):
  // true for options about how the run goes or reports (max_steps, log_every, train_dir, the
  // collective deadline, the device); false for those that change what it computes (model, data,
  // optimizer, batch, seeds, cadence of the plateau rule), which a resume refuses to change
  // unless `s2s train --allow-config-change`.
  bool free_on_resume = false;
};
const std::vector<OptionInfo>& config_options();

// Loading. `source` names where the text came from, for error messages.
TrainConfig config_from_yaml_file(const std::string& path);
TrainConfig config_from_yaml_text(const std::string& text, const std::string& source = "<yaml>");
void config_merge_yaml_text(TrainConfig& cfg, const std::string& text, const std::string& source);
// `key.sub=value`; the value is read as YAML (so `data.buckets=[[5,10],[10,15]]` works), except
// for string options, which take the text after '=' verbatim (paths need no quoting).
void config_apply_override(TrainConfig& cfg, std::string_view assignment);
void config_apply_overrides(TrainConfig& cfg, const std::vector<std::string>& assignments);
// Cross-field checks (single fields are checked as they are set). Throws s2s::Error.
void config_validate(const TrainConfig& cfg);

// Dataset agreement (called by the trainer once the dataset is open). Buckets: those the dataset
// records win over the default, must equal an explicitly set data.buckets, and the config's are
// used when the dataset records none. Vocabularies: 0 takes the dataset's size, anything else
// must equal it. Errors name the option, both values and the dataset.
std::vector<model::Bucket> config_resolve_buckets(const TrainConfig& cfg, const std::vector<model::Bucket>& recorded,
                                           const std::string& dataset);
std::int64_t config_resolve_vocab(std::int64_t configured, std::int64_t recorded, const char* key,
                                  const std::string& dataset);

// Every option, grouped by section, in table order; config_from_yaml_text(dump) == cfg.
std::string config_to_yaml(const TrainConfig& cfg);
// The Markdown table of docs/config.md (between its generated-region markers).
std::string config_markdown_table();
bool config_equal(const TrainConfig& a, const TrainConfig& b);  // every option (not explicit_keys)

// One option whose value differs between two configs, as YAML text.
struct ConfigChange {
  std::string key;
  std::string before;  // `saved`'s value
  std::string after;   // `current`'s value
  bool free_on_resume = false;
};
// Every option that differs between `saved` (a checkpoint's config) and `current`, in table order.
std::vector<ConfigChange> config_changes(const TrainConfig& saved, const TrainConfig& current);

// Names of the choice values ("gru"), for logs.
std::string_view to_string(model::CellType v);
std::string_view to_string(SamplerMode v);
std::string_view to_string(OptimizerKind v);
std::string_view to_string(DecayPolicy v);
std::string_view to_string(EvalMode v);
std::string_view to_string(NanPolicy v);
std::string_view to_string(BestMetric v);
std::string_view to_string(ReducerKind v);
std::string_view to_string(SparseGradients v);
std::string_view to_string(Precision v);

}  // namespace s2s::config
