// Owns: THE option table of `s2s train`: every option's key, type, default, allowed values and
// one-line help, declared once. Defaults follow the translate tutorial (spec §8): size 1024,
// 3 GRU layers, sampled softmax with 512 samples, batch 64, SGD with lr 0.5 decayed by 0.99 on
// plateau, global-norm clipping at 5.0, a checkpoint every 200 steps.
// The field builders below turn (key, member, default, constraint, help) into a parse/print pair.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

#include "config_option.h"
#include "s2s/core/error.h"

namespace s2s::config {
namespace detail {
namespace {

// ---- choice names ---------------------------------------------------------------------------
template <class E> struct Choices;
#define S2S_CHOICES(E, ...)                                                  \
  template <> struct Choices<E> {                                            \
    static constexpr std::pair<E, const char*> kValues[] = {__VA_ARGS__};    \
  }
S2S_CHOICES(model::CellType, {model::CellType::Gru, "gru"}, {model::CellType::Lstm, "lstm"});
S2S_CHOICES(SamplerMode, {SamplerMode::Epochs, "epochs"}, {SamplerMode::Fidelity, "fidelity"});
S2S_CHOICES(OptimizerKind, {OptimizerKind::Sgd, "sgd"}, {OptimizerKind::Momentum, "momentum"},
            {OptimizerKind::Adam, "adam"});
S2S_CHOICES(DecayPolicy, {DecayPolicy::Plateau, "plateau"}, {DecayPolicy::None, "none"});
S2S_CHOICES(EvalMode, {EvalMode::Full, "full"}, {EvalMode::Translate, "translate"},
            {EvalMode::Both, "both"});
S2S_CHOICES(NanPolicy, {NanPolicy::Stop, "stop"}, {NanPolicy::Skip, "skip"});
S2S_CHOICES(BestMetric, {BestMetric::Bleu, "bleu"}, {BestMetric::Chrf, "chrf"}, {BestMetric::Perplexity, "perplexity"});
S2S_CHOICES(ReducerKind, {ReducerKind::Mpi, "mpi"}, {ReducerKind::Nccl, "nccl"}, {ReducerKind::None, "none"},
            {ReducerKind::Auto, "auto"});
S2S_CHOICES(SparseGradients, {SparseGradients::Off, "off"}, {SparseGradients::Auto, "auto"},
            {SparseGradients::Sparse, "sparse"}, {SparseGradients::Dense, "dense"});
S2S_CHOICES(Precision, {Precision::Float32, "float32"}, {Precision::TF32, "tf32"}, {Precision::BF16, "bf16"});
S2S_CHOICES(DType, {DType::F32, "float32"}, {DType::F64, "float64"});
S2S_CHOICES(Device, {Device::CPU, "cpu"}, {Device::CUDA, "cuda"});
#undef S2S_CHOICES

template <class E>
std::string choice_list() {
  std::string s;
  for (const auto& [v, name] : Choices<E>::kValues) {
    if (!s.empty()) s += " | ";
    s += name;
  }
  return s;
}

// ---- ranges ---------------------------------------------------------------------------------
struct Range {
  std::optional<double> lo, hi;
  bool lo_open = false, hi_open = false;
  bool contains(double v) const {
    if (std::isnan(v)) return false;
    if (lo && (lo_open ? v <= *lo : v < *lo)) return false;
    if (hi && (hi_open ? v >= *hi : v > *hi)) return false;
    return true;
  }
  std::string text() const {
    auto num = [](double v) {
      char buf[32];
      auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
      return std::string(buf, p);
    };
    if (lo && hi) return (lo_open ? "(" : "[") + num(*lo) + ", " + num(*hi) + (hi_open ? ")" : "]");
    if (lo) return (lo_open ? "> " : ">= ") + num(*lo);
    if (hi) return (hi_open ? "< " : "<= ") + num(*hi);
    return "";
  }
};
Range at_least(double lo) { return {lo, std::nullopt, false, false}; }
Range above(double lo) { return {lo, std::nullopt, true, false}; }
Range between(double lo, double hi, bool lo_open = false, bool hi_open = false) {
  return {lo, hi, lo_open, hi_open};
}

// ---- scalar parsing -------------------------------------------------------------------------
[[noreturn]] void bad_value(const std::string& where, const std::string& key, const YAML::Node& node,
                            const std::string& expected) {
  std::string shown = node.IsScalar() ? "'" + node.Scalar() + "'" : node.IsNull() ? "(empty)" : "(a YAML "
      + std::string(node.IsSequence() ? "sequence" : "map") + ")";
  std::string at = where;
  if (node.Mark().line >= 0 && where.find('=') == std::string::npos)
    at.append(1, ':').append(std::to_string(node.Mark().line + 1));
  S2S_FAIL("config ", at, ": ", key, " = ", shown, ": expected ", expected);
}

const std::string& scalar_of(const YAML::Node& node, const std::string& where, const std::string& key,
                             const std::string& expected) {
  if (!node.IsScalar()) bad_value(where, key, node, expected);
  return node.Scalar();
}

template <class I>
I parse_integer(const YAML::Node& node, const std::string& where, const std::string& key,
                const std::string& expected) {
  const std::string& s = scalar_of(node, where, key, expected);
  I v{};
  const char* b = s.data() + (s.size() > 1 && s[0] == '+' ? 1 : 0);
  auto [p, ec] = std::from_chars(b, s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) bad_value(where, key, node, expected);
  return v;
}

double parse_double(const YAML::Node& node, const std::string& where, const std::string& key,
                    const std::string& expected) {
  const std::string& s = scalar_of(node, where, key, expected);
  // Every float option is a finite number: .inf/.nan, and literals that overflow to infinity
  // (1e309), would reach the model (an infinite learning rate saves Inf parameters).
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || s.find_first_of("xXnN") != std::string::npos ||
      !std::isfinite(v))
    bad_value(where, key, node, "a finite number: " + expected);
  return v;
}

bool parse_bool(const YAML::Node& node, const std::string& where, const std::string& key) {
  const std::string& s = scalar_of(node, where, key, "true | false");
  for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "on", "On"}) if (s == t) return true;
  for (const char* f : {"false", "False", "FALSE", "no", "No", "off", "Off"}) if (s == f) return false;
  bad_value(where, key, node, "true | false");
}

std::string describe(const std::string& type, const Range& r) {
  return r.text().empty() ? "a" + std::string(type == "int" ? "n " : " ") + type
                          : "a" + std::string(type == "int" ? "n " : " ") + type + " " + r.text();
}

// ---- field builders -------------------------------------------------------------------------
template <class Sec, class T>
auto ref(Sec TrainConfig::*sec, T Sec::*field) {
  return [sec, field](auto& cfg) -> auto& { return (cfg.*sec).*field; };
}

template <class Sec>
OptionSpec int_option(const char* key, Sec TrainConfig::*sec, std::int64_t Sec::*field,
                      const char* def, Range range, const char* help) {
  auto r = ref(sec, field);
  OptionSpec s{{key, "int", def, range.text(), help, false}, {}, {}};
  s.set = [r, range, k = std::string(key)](TrainConfig& c, const YAML::Node& n, const std::string& w) {
    auto v = parse_integer<std::int64_t>(n, w, k, describe("int", range));
    if (!range.contains(static_cast<double>(v))) bad_value(w, k, n, describe("int", range));
    r(c) = v;
  };
  s.get = [r](const TrainConfig& c) { return std::to_string(r(c)); };
  return s;
}

template <class Sec>
OptionSpec uint_option(const char* key, Sec TrainConfig::*sec, std::uint64_t Sec::*field,
                       const char* def, const char* help) {
  auto r = ref(sec, field);
  OptionSpec s{{key, "uint", def, ">= 0", help, false}, {}, {}};
  s.set = [r, k = std::string(key)](TrainConfig& c, const YAML::Node& n, const std::string& w) {
    r(c) = parse_integer<std::uint64_t>(n, w, k, "an unsigned 64-bit integer");
  };
  s.get = [r](const TrainConfig& c) { return std::to_string(r(c)); };
  return s;
}

template <class Sec>
OptionSpec float_option(const char* key, Sec TrainConfig::*sec, double Sec::*field, const char* def,
                        Range range, const char* help) {
  auto r = ref(sec, field);
  OptionSpec s{{key, "float", def, range.text(), help, false}, {}, {}};
  s.set = [r, range, k = std::string(key)](TrainConfig& c, const YAML::Node& n, const std::string& w) {
    double v = parse_double(n, w, k, describe("float", range));
    if (!range.contains(v)) bad_value(w, k, n, describe("float", range));
    r(c) = v;
  };
  s.get = [r](const TrainConfig& c) { return format_double(r(c)); };
  return s;
}

template <class Sec>
OptionSpec bool_option(const char* key, Sec TrainConfig::*sec, bool Sec::*field, const char* def,
                       const char* help) {
  auto r = ref(sec, field);
  OptionSpec s{{key, "bool", def, "true | false", help, false}, {}, {}};
  s.set = [r, k = std::string(key)](TrainConfig& c, const YAML::Node& n, const std::string& w) {
    r(c) = parse_bool(n, w, k);
  };
  s.get = [r](const TrainConfig& c) { return std::string(r(c) ? "true" : "false"); };
  return s;
}

std::string quote_yaml(const std::string& s) {
  YAML::Emitter e;
  e << YAML::SingleQuoted << s;
  return e.c_str();
}

template <class Sec>
OptionSpec string_option(const char* key, Sec TrainConfig::*sec, std::string Sec::*field,
                         const char* def, bool non_empty, const char* help) {
  auto r = ref(sec, field);
  OptionSpec s{{key, "string", def, non_empty ? "non-empty" : "", help, false}, {}, {}};
  s.set = [r, non_empty, k = std::string(key)](TrainConfig& c, const YAML::Node& n,
                                               const std::string& w) {
    if (n.IsNull() && !non_empty) { r(c).clear(); return; }
    const std::string& v = scalar_of(n, w, k, non_empty ? "a non-empty string" : "a string");
    if (non_empty && v.empty()) bad_value(w, k, n, "a non-empty string");
    r(c) = v;
  };
  s.get = [r](const TrainConfig& c) { return quote_yaml(r(c)); };
  return s;
}

template <class Sec, class E>
OptionSpec choice_option(const char* key, Sec TrainConfig::*sec, E Sec::*field, const char* def,
                         const char* help) {
  auto r = ref(sec, field);
  OptionSpec s{{key, "choice", def, choice_list<E>(), help, false}, {}, {}};
  s.set = [r, k = std::string(key)](TrainConfig& c, const YAML::Node& n, const std::string& w) {
    std::string expected = "one of " + choice_list<E>();
    const std::string& v = scalar_of(n, w, k, expected);
    for (const auto& [value, name] : Choices<E>::kValues) {
      if (v == name) { r(c) = value; return; }
    }
    bad_value(w, k, n, expected);
  };
  s.get = [r](const TrainConfig& c) {
    for (const auto& [value, name] : Choices<E>::kValues)
      if (r(c) == value) return std::string(name);
    return std::string("?");
  };
  return s;
}

OptionSpec buckets_option(const char* key, const char* def, const char* help) {
  auto r = ref(&TrainConfig::data, &DataConfig::buckets);
  OptionSpec s{{key, "buckets", def, "[[I, O], ...], I, O >= 1, ascending", help, false}, {}, {}};
  s.set = [r, k = std::string(key)](TrainConfig& c, const YAML::Node& n, const std::string& w) {
    const std::string expected = "a non-empty list of [encoder_len, decoder_len] pairs, each >= 1";
    if (!n.IsSequence() || n.size() == 0) bad_value(w, k, n, expected);
    std::vector<model::Bucket> out;
    for (const auto& pair : n) {
      if (!pair.IsSequence() || pair.size() != 2) bad_value(w, k, pair, expected);
      auto i = parse_integer<std::int64_t>(pair[0], w, k, expected);
      auto o = parse_integer<std::int64_t>(pair[1], w, k, expected);
      if (i < 1 || o < 1) bad_value(w, k, pair, expected);
      out.emplace_back(i, o);
    }
    r(c) = std::move(out);
  };
  s.get = [r](const TrainConfig& c) { return buckets_text(r(c)); };
  return s;
}

// Marks a row as free to change when a run resumes (OptionInfo::free_on_resume).
OptionSpec free_on_resume(OptionSpec spec) {
  spec.info.free_on_resume = true;
  return spec;
}

std::vector<OptionSpec> build_table() {
  using C = TrainConfig;
  const auto m = &C::model;
  const auto d = &C::data;
  const auto o = &C::optim;
  const auto t = &C::train;
  const auto x = &C::dist;
  return {
      // model
      choice_option("model.cell", m, &model::ModelConfig::cell, "gru", "RNN cell: GRUCell or BasicLSTMCell (translate's use_lstm)"),
      int_option("model.num_layers", m, &model::ModelConfig::num_layers, "3", at_least(1), "Layers in the MultiRNNCell"),
      int_option("model.size", m, &model::ModelConfig::size, "1024", at_least(1), "Units per layer"),
      int_option("model.embedding_size", m, &model::ModelConfig::embedding_size, "0", at_least(0), "Embedding size; 0 = model.size (translate)"),
      int_option("model.num_heads", m, &model::ModelConfig::num_heads, "1", at_least(1), "Attention heads (attention models only)"),
      bool_option("model.attention", m, &model::ModelConfig::attention, "true", "true: embedding_attention_seq2seq; false: embedding_rnn_seq2seq"),
      int_option("model.num_samples", m, &model::ModelConfig::num_samples, "512", at_least(0), "Sampled-softmax samples; full softmax if 0 or >= target vocabulary"),
      int_option("model.source_vocab_size", m, &model::ModelConfig::source_vocab_size, "0", at_least(0), "Source vocabulary size; 0 = from the dataset, else must match it"),
      int_option("model.target_vocab_size", m, &model::ModelConfig::target_vocab_size, "0", at_least(0), "Target vocabulary size; 0 = from the dataset, else must match it"),
      float_option("model.input_keep_prob", m, &model::ModelConfig::input_keep_prob, "1.0", between(0, 1, true), "DropoutWrapper input keep probability (training only)"),
      float_option("model.output_keep_prob", m, &model::ModelConfig::output_keep_prob, "1.0", between(0, 1, true), "DropoutWrapper output keep probability (training only)"),
      bool_option("model.mask_padding", m, &model::ModelConfig::mask_padding, "false", "Exclude PAD encoder positions from attention (s2s extension, spec §11.6)"),
      choice_option("model.dtype", m, &model::ModelConfig::dtype, "float32", "Parameter and compute precision (float64: CPU only)"),
      free_on_resume(choice_option("model.device", m, &model::ModelConfig::device, "cpu", "Backend the model runs on")),
      // data
      free_on_resume(string_option("data.dataset", d, &DataConfig::dataset, "''", false, "Bucketed HDF5 dataset written by `s2s prepare`")),
      buckets_option("data.buckets", "[[5, 10], [10, 15], [20, 25], [40, 50]]", "Buckets (I, O); a dataset that records its buckets overrides the default"),
      choice_option("data.sampler", d, &DataConfig::sampler, "epochs", "epochs: shuffled passes; fidelity: translate's sampling with replacement"),
      uint_option("data.seed", d, &DataConfig::seed, "0", "Seed of the data sampler and bucket choice"),
      int_option("data.max_train_data_size", d, &DataConfig::max_train_data_size, "0", at_least(0), "Use at most this many training pairs; 0 = all"),
      // optim
      choice_option("optim.optimizer", o, &OptimConfig::optimizer, "sgd", "Update rule: plain SGD (translate), TF MomentumOptimizer, TF AdamOptimizer"),
      float_option("optim.learning_rate", o, &OptimConfig::learning_rate, "0.5", above(0), "Initial learning rate"),
      float_option("optim.learning_rate_decay_factor", o, &OptimConfig::learning_rate_decay_factor, "0.99", between(0, 1, true), "lr <- lr * factor when the plateau rule fires"),
      choice_option("optim.decay", o, &OptimConfig::decay, "plateau", "plateau: translate's rule at each checkpoint (loss > max of the last 3); none: constant"),
      float_option("optim.max_gradient_norm", o, &OptimConfig::max_gradient_norm, "5.0", at_least(0), "clip_by_global_norm threshold; 0 = no clipping"),
      float_option("optim.momentum", o, &OptimConfig::momentum, "0.9", between(0, 1, false, true), "Momentum coefficient (optimizer momentum)"),
      float_option("optim.adam_beta1", o, &OptimConfig::adam_beta1, "0.9", between(0, 1, false, true), "Adam beta1"),
      float_option("optim.adam_beta2", o, &OptimConfig::adam_beta2, "0.999", between(0, 1, false, true), "Adam beta2"),
      float_option("optim.adam_epsilon", o, &OptimConfig::adam_epsilon, "1e-08", above(0), "Adam epsilon (TF's epsilon hat)"),
      int_option("optim.warmup_steps", o, &OptimConfig::warmup_steps, "0", at_least(0), "Linear learning-rate warm-up over this many steps; 0 = none"),
      // train
      int_option("train.batch_size", t, &TrainLoopConfig::batch_size, "64", at_least(1), "Examples per step per rank (global batch = batch_size x world size)"),
      free_on_resume(int_option("train.max_steps", t, &TrainLoopConfig::max_steps, "0", at_least(0), "Stop after this global step; 0 = run until stopped (translate)")),
      int_option("train.steps_per_checkpoint", t, &TrainLoopConfig::steps_per_checkpoint, "200", at_least(1), "Steps between checkpoints, plateau checks and dev evaluation"),
      free_on_resume(int_option("train.log_every", t, &TrainLoopConfig::log_every, "10", at_least(0), "Steps between progress/metrics lines; 0 = only at checkpoints")),
      free_on_resume(string_option("train.train_dir", t, &TrainLoopConfig::train_dir, "'train'", true, "Folder for checkpoints, metrics and event files")),
      free_on_resume(int_option("train.keep_checkpoints", t, &TrainLoopConfig::keep_checkpoints, "5", at_least(0), "Valid checkpoints kept by rotation; 0 = keep all")),
      free_on_resume(string_option("train.resume", t, &TrainLoopConfig::resume, "auto", true, "auto (latest valid checkpoint in train_dir, if any) | none | PATH")),
      choice_option("train.eval", t, &TrainLoopConfig::eval, "both", "Dev evaluation: full-softmax perplexity per bucket, translate's one sampled batch, or both"),
      free_on_resume(choice_option("train.nan_policy", t, &TrainLoopConfig::nan_policy, "stop", "Non-finite loss or gradient: stop with an error, or skip the update and count it")),
      uint_option("train.seed", t, &TrainLoopConfig::seed, "0", "Seed of parameter initialisation and dropout"),
      free_on_resume(int_option("train.sync_every", t, &TrainLoopConfig::sync_every, "0", at_least(0), "Steps between host reads of loss, gradient norm and signals from the device (the steps in between never wait for the GPU; per-step metrics are still logged); 0 = auto: 1 on cpu, 16 on cuda")),
      free_on_resume(bool_option("train.cuda_graphs", t, &TrainLoopConfig::cuda_graphs, "true", "cuda: capture each bucket's forward + backward into a CUDA graph after warm-up and replay it (--no-cuda-graphs turns it off)")),
      choice_option("train.precision", t, &TrainLoopConfig::precision, "float32", "float32 matrix products: float32, tf32 (cuda tensor cores; float32 on cpu) or bf16 operands with float32 accumulation and float32 master weights"),
      // Validation every 5 checkpoints (1000 steps at the default cadence): decoding a dev set is
      // a forward without backward, a few training steps' worth per 500 sentences, so one
      // validation per 1000 steps costs ~1.5 % of training even with a newstest-sized dev set
      // (3000 sentences; bench/RESULTS.md), while a run of translate's length still validates
      // dozens of times. Every checkpoint (1) would cost ~7 % on that dev set.
      free_on_resume(int_option("train.validate_every", t, &TrainLoopConfig::validate_every, "5", at_least(0), "Checkpoints between BLEU/chrF validations on the dev split (decoded as train.validation_beam says); 0 = off. Left at its default, a dataset without a dev split turns it off")),
      int_option("train.validation_beam", t, &TrainLoopConfig::validation_beam, "1", at_least(1), "Beam size of validation's decoding: 1 = greedy (batched GreedyDecoder), k > 1 = beam search with k beams and no length penalty (docs/decoding.md)"),
      choice_option("train.best_metric", t, &TrainLoopConfig::best_metric, "bleu", "Metric that picks best.h5 and drives early stopping: dev BLEU, chrF (higher is better) or full-softmax dev perplexity (lower is better)"),
      free_on_resume(int_option("train.early_stopping_patience", t, &TrainLoopConfig::early_stopping_patience, "0", at_least(0), "Stop (exit 0) after this many validations in a row without a better best_metric; 0 = never")),
      // dist
      free_on_resume(choice_option("dist.reducer", x, &DistConfig::reducer, "auto", "Gradient all-reduce: MPI (host), NCCL (device), none (one rank: no copies); auto = none with one rank, else NCCL on cuda, MPI on cpu")),
      free_on_resume(int_option("dist.bucket_bytes", x, &DistConfig::bucket_bytes, "26214400", at_least(1), "Gradient fusion bucket size in bytes; left unset, the largest of 1 MiB and 1/16 of the gradients, capped at this value")),
      // Not free on resume: with Momentum, sparse gradients change the update rule (touched rows only).
      choice_option("dist.sparse_gradients", x, &DistConfig::sparse_gradients, "off", "cpu: row-sparse gradients for the embeddings and the sampled-softmax proj_w (TF's sparse optimizer rules: Momentum updates only touched rows); auto exchanges the union of touched rows or the dense tensor, whichever is fewer bytes, per tensor and step; sparse / dense force one; off = dense everywhere (docs/scaling.md)"),
      free_on_resume(float_option("dist.timeout_s", x, &DistConfig::timeout_s, "600.0", above(0), "Seconds a collective may take before the job is aborted")),
      free_on_resume(bool_option("dist.require_shared_train_dir", x, &DistConfig::require_shared_train_dir, "true", "Multi-rank runs: a train_dir some rank cannot see (rank 0's token file) is an error; false: a warning (rank 0 alone reads and writes checkpoints, so resuming needs rank 0 on the same host)")),
  };
}

}  // namespace

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> table = build_table();
  return table;
}

const OptionSpec* find_option(std::string_view key) {
  for (const auto& s : option_specs())
    if (s.info.key == key) return &s;
  return nullptr;
}

std::string buckets_text(const std::vector<model::Bucket>& b) {
  std::string t = "[";
  for (std::size_t i = 0; i < b.size(); ++i)
    t += (i ? ", [" : "[") + std::to_string(b[i].first) + ", " + std::to_string(b[i].second) + "]";
  return t + "]";
}

std::string format_double(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, p);
  // "5" would read back as an int-looking scalar; keep floats recognisable.
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace detail

namespace {
template <class E, std::size_t N>
std::string_view name_of(E v, const std::pair<E, const char*> (&values)[N]) {
  for (const auto& [value, name] : values)
    if (value == v) return name;
  return "?";
}
}  // namespace

std::string_view to_string(model::CellType v) { return name_of(v, detail::Choices<model::CellType>::kValues); }
std::string_view to_string(SamplerMode v) { return name_of(v, detail::Choices<SamplerMode>::kValues); }
std::string_view to_string(OptimizerKind v) { return name_of(v, detail::Choices<OptimizerKind>::kValues); }
std::string_view to_string(DecayPolicy v) { return name_of(v, detail::Choices<DecayPolicy>::kValues); }
std::string_view to_string(EvalMode v) { return name_of(v, detail::Choices<EvalMode>::kValues); }
std::string_view to_string(BestMetric v) { return name_of(v, detail::Choices<BestMetric>::kValues); }
std::string_view to_string(NanPolicy v) { return name_of(v, detail::Choices<NanPolicy>::kValues); }
std::string_view to_string(Precision v) { return name_of(v, detail::Choices<Precision>::kValues); }
std::string_view to_string(ReducerKind v) { return name_of(v, detail::Choices<ReducerKind>::kValues); }
std::string_view to_string(SparseGradients v) { return name_of(v, detail::Choices<SparseGradients>::kValues); }

}  // namespace s2s::config
