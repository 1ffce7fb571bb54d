// Owns: everything derived from the option table (config_table.cpp): defaults, YAML loading with
// unknown-key rejection (did-you-mean), `--set` overrides, cross-field validation, YAML dump and
// the Markdown table of docs/config.md.
#include "s2s/config/config.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "config_option.h"
#include "s2s/core/error.h"

namespace s2s::config {
namespace {

using detail::option_specs;
using detail::buckets_text;
using detail::OptionSpec;

std::string section_of(const std::string& key) { return key.substr(0, key.find('.')); }

std::vector<std::string> sections() {
  std::vector<std::string> out;
  for (const auto& s : option_specs()) {
    std::string sec = section_of(s.info.key);
    if (std::find(out.begin(), out.end(), sec) == out.end()) out.push_back(sec);
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// "; did you mean 'optim.learning_rate'?" or "" when nothing is close.
std::string did_you_mean(const std::string& key) {
  std::vector<std::string> candidates = sections();
  for (const auto& s : option_specs()) candidates.push_back(s.info.key);
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(key, c);
    if (d < best_d) { best_d = d; best = c; }
  }
  // A bare option name in the wrong place ("learning_rate" at the top level): same last part.
  std::string last = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
  if (best_d > std::max<std::size_t>(2, key.size() / 3)) {
    for (const auto& s : option_specs())
      if (s.info.key.substr(s.info.key.find('.') + 1) == last) return "; did you mean '" + s.info.key + "'?";
    return "; known keys are listed in docs/config.md";
  }
  return "; did you mean '" + best + "'?";
}

[[noreturn]] void unknown_key(const std::string& where, const std::string& key, const YAML::Mark& mark) {
  std::string at = where;
  if (mark.line >= 0) at.append(1, ':').append(std::to_string(mark.line + 1));
  S2S_FAIL("config ", at, ": unknown key '", key, "'", did_you_mean(key));
}

void mark_explicit(TrainConfig& cfg, const std::string& key) {
  if (!cfg.is_explicit(key)) cfg.explicit_keys.push_back(key);
}

YAML::Node load_yaml(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    S2S_FAIL("config ", source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": not valid YAML: ", e.msg);
  }
}

}  // namespace

TrainConfig::TrainConfig() {
  for (const auto& s : option_specs()) s.set(*this, YAML::Load(s.info.default_value), "<default>");
}

bool TrainConfig::is_explicit(std::string_view key) const {
  return std::find(explicit_keys.begin(), explicit_keys.end(), key) != explicit_keys.end();
}

const std::vector<OptionInfo>& config_options() {
  static const std::vector<OptionInfo> infos = [] {
    std::vector<OptionInfo> v;
    for (const auto& s : option_specs()) v.push_back(s.info);
    return v;
  }();
  return infos;
}

void config_merge_yaml_text(TrainConfig& cfg, const std::string& text, const std::string& source) {
  YAML::Node root = load_yaml(text, source);
  if (root.IsNull()) return;  // an empty file changes nothing
  if (!root.IsMap())
    S2S_FAIL("config ", source, ": expected a map of sections (", [] {
      std::string s;
      for (const auto& sec : sections()) s += (s.empty() ? "" : ", ") + sec;
      return s;
    }(), ")");
  const auto known = sections();
  // yaml-cpp keeps every pair of a map, duplicates included, and the loop below would let the
  // last one win silently: a key given twice is an error naming both lines.
  std::map<std::string, int> first_line;
  auto once = [&](const std::string& key, const YAML::Mark& mark) {
    const auto [it, fresh] = first_line.emplace(key, mark.line + 1);
    if (!fresh)
      S2S_FAIL("config ", source, ":", mark.line + 1, ": duplicate key '", key, "' (first given on line ",
               it->second, "; give each key once)");
  };
  for (const auto& section : root) {
    const std::string sec = section.first.Scalar();
    if (std::find(known.begin(), known.end(), sec) == known.end())
      unknown_key(source, sec, section.first.Mark());
    once(sec, section.first.Mark());
    if (!section.second.IsMap())
      S2S_FAIL("config ", source, ":", section.second.Mark().line + 1, ": section '", sec,
               "' must be a map of options");
    for (const auto& option : section.second) {
      const std::string key = sec + "." + option.first.Scalar();
      const OptionSpec* spec = detail::find_option(key);
      if (spec == nullptr) unknown_key(source, key, option.first.Mark());
      once(key, option.first.Mark());
      spec->set(cfg, option.second, source);
      mark_explicit(cfg, key);
    }
  }
}

TrainConfig config_from_yaml_text(const std::string& text, const std::string& source) {
  TrainConfig cfg;
  config_merge_yaml_text(cfg, text, source);
  config_validate(cfg);
  return cfg;
}

TrainConfig config_from_yaml_file(const std::string& path) {
  std::ifstream in(path);
  S2S_CHECK(in.good(), "config: cannot open '", path, "'");
  std::ostringstream text;
  text << in.rdbuf();
  return config_from_yaml_text(text.str(), path);
}

void config_apply_override(TrainConfig& cfg, std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0)
    S2S_FAIL("config --set '", assignment, "': expected key.sub=value");
  const std::string key(assignment.substr(0, eq));
  const std::string value(assignment.substr(eq + 1));
  const OptionSpec* spec = detail::find_option(key);
  const std::string where = "--set " + std::string(assignment);
  if (spec == nullptr) S2S_FAIL("config ", where, ": unknown key '", key, "'", did_you_mean(key));
  spec->set(cfg, spec->info.type == "string" ? YAML::Node(value) : load_yaml(value, where), where);
  mark_explicit(cfg, key);
}

void config_apply_overrides(TrainConfig& cfg, const std::vector<std::string>& assignments) {
  for (const auto& a : assignments) config_apply_override(cfg, a);
  config_validate(cfg);
}

void config_validate(const TrainConfig& cfg) {
  const auto& b = cfg.data.buckets;
  S2S_CHECK(!b.empty(), "config: data.buckets must list at least one bucket");
  for (std::size_t i = 1; i < b.size(); ++i) {
    S2S_CHECK(b[i].first >= b[i - 1].first && b[i].second >= b[i - 1].second && b[i] != b[i - 1],
              "config: data.buckets = ", buckets_text(b),
              ": buckets must be distinct and ascending in both lengths (bucket ", i, " [",
              b[i].first, ", ", b[i].second, "] follows [", b[i - 1].first, ", ", b[i - 1].second, "])");
  }
  if (cfg.model.device == Device::CUDA)
    S2S_CHECK(cfg.model.dtype == DType::F32, "config: model.dtype = ", dtype_name(cfg.model.dtype),
              " with model.device = cuda: the CUDA backend runs float32 only (allowed: float32)");
  if (cfg.dist.reducer == ReducerKind::Nccl)
    S2S_CHECK(cfg.model.device == Device::CUDA,
              "config: dist.reducer = nccl needs model.device = cuda (allowed with cpu: mpi | auto)");
  if (cfg.dist.sparse_gradients != SparseGradients::Off)
    S2S_CHECK(cfg.model.device == Device::CPU, "config: dist.sparse_gradients = ",
              to_string(cfg.dist.sparse_gradients),
              " needs model.device = cpu (the sparse exchange is MPI-only; allowed with cuda: off)");
  if (cfg.train.nan_policy == NanPolicy::Skip)
    S2S_CHECK(cfg.train.sync_every <= 1, "config: train.sync_every = ", cfg.train.sync_every,
              " with train.nan_policy = skip: skipping decides before each update, so the host must read "
              "every step's loss (allowed: 0 = auto, or 1)");
  if (cfg.train.precision == Precision::BF16)
    S2S_CHECK(cfg.model.dtype == DType::F32, "config: train.precision = bf16 with model.dtype = ",
              dtype_name(cfg.model.dtype), ": bf16 operands apply to float32 models (allowed: float32)");
  if (cfg.train.validate_every > 0 && cfg.train.best_metric == BestMetric::Perplexity)
    S2S_CHECK(cfg.train.eval != EvalMode::Translate,
              "config: train.best_metric = perplexity with train.eval = translate: the best checkpoint follows the "
              "full-softmax dev perplexity (allowed train.eval: full | both)");
  if (cfg.train.early_stopping_patience > 0)
    S2S_CHECK(cfg.train.validate_every > 0, "config: train.early_stopping_patience = ",
              cfg.train.early_stopping_patience,
              " with train.validate_every = 0: early stopping counts validations (set train.validate_every >= 1)");
  if (!cfg.model.attention)
    S2S_CHECK(cfg.model.num_heads == 1, "config: model.num_heads = ", cfg.model.num_heads,
              " with model.attention = false: heads apply to attention models only (allowed: 1)");
}

std::int64_t TrainLoopConfig::effective_sync_every(Device device) const {
  if (nan_policy == NanPolicy::Skip) return 1;
  if (sync_every > 0) return sync_every;
  return device == Device::CUDA ? 16 : 1;
}

std::vector<model::Bucket> config_resolve_buckets(const TrainConfig& cfg, const std::vector<model::Bucket>& recorded,
                                           const std::string& dataset) {
  if (recorded.empty()) return cfg.data.buckets;
  if (cfg.is_explicit("data.buckets"))
    S2S_CHECK(recorded == cfg.data.buckets, "config: data.buckets = ", buckets_text(cfg.data.buckets),
              " but dataset ", dataset, " was prepared with buckets ", buckets_text(recorded),
              " (remove data.buckets to use the dataset's, or prepare the dataset again)");
  return recorded;
}

std::int64_t config_resolve_vocab(std::int64_t configured, std::int64_t recorded, const char* key,
                                  const std::string& dataset) {
  if (configured == 0) return recorded;
  S2S_CHECK(configured == recorded, "config: ", key, " = ", configured, " but dataset ", dataset,
            " has a vocabulary of ", recorded, " (allowed: 0 = from the dataset, or ", recorded, ")");
  return configured;
}

std::string config_to_yaml(const TrainConfig& cfg) {
  std::ostringstream out;
  out << "# s2s train configuration (every option; see docs/config.md)\n";
  std::string current;
  for (const auto& s : option_specs()) {
    const std::string sec = section_of(s.info.key);
    if (sec != current) {
      out << sec << ":\n";
      current = sec;
    }
    out << "  " << s.info.key.substr(sec.size() + 1) << ": " << s.get(cfg) << "\n";
  }
  return out.str();
}

bool config_equal(const TrainConfig& a, const TrainConfig& b) {
  for (const auto& s : option_specs())
    if (s.get(a) != s.get(b)) return false;
  return true;
}

std::vector<ConfigChange> config_changes(const TrainConfig& saved, const TrainConfig& current) {
  std::vector<ConfigChange> out;
  for (const auto& s : option_specs()) {
    std::string before = s.get(saved), after = s.get(current);
    if (before != after) out.push_back({s.info.key, std::move(before), std::move(after), s.info.free_on_resume});
  }
  return out;
}

std::string config_markdown_table() {
  auto cell = [](std::string s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
  };
  std::ostringstream out;
  out << "| key | type | default | allowed | on resume | description |\n";
  out << "|---|---|---|---|---|---|\n";
  for (const auto& s : option_specs()) {
    const auto& i = s.info;
    out << "| `" << i.key << "` | " << i.type << " | `" << cell(i.default_value) << "` | "
        << cell(i.allowed) << " | " << (i.free_on_resume ? "free" : "fixed") << " | " << cell(i.help) << " |\n";
  }
  return out.str();
}

}  // namespace s2s::config
