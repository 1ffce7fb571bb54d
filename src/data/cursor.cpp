// Owns: SamplerCursor serialisation (flat map and JSON) and its derived epoch counters.
#include "s2s/data/cursor.h"

#include <numeric>

#include "s2s/core/error.h"

namespace s2s::data {

namespace {
constexpr std::int64_t kCursorVersion = 1;

std::int64_t get(const std::map<std::string, std::int64_t>& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) S2S_FAIL("sampler cursor: missing key '", key, "' (expected a map written by SamplerCursor::to_map)");
  return it->second;
}
std::int64_t bits(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t ubits(std::int64_t v) { return static_cast<std::uint64_t>(v); }
}  // namespace

std::string_view sampling_mode_name(SamplingMode m) { return m == SamplingMode::Epoch ? "epoch" : "fidelity"; }

SamplingMode sampling_mode_from_name(std::string_view name) {
  if (name == "epoch") return SamplingMode::Epoch;
  if (name == "fidelity") return SamplingMode::Fidelity;
  S2S_FAIL("unknown sampling mode '", name, "' (expected epoch or fidelity)");
}

std::int64_t SamplerCursor::epoch() const {
  std::int64_t consumed = std::accumulate(positions.begin(), positions.end(), std::int64_t{0});
  std::int64_t total = std::accumulate(bucket_sizes.begin(), bucket_sizes.end(), std::int64_t{0});
  return total > 0 ? consumed / total : 0;
}

std::int64_t SamplerCursor::bucket_epoch(int bucket) const {
  auto b = static_cast<std::size_t>(bucket);
  S2S_CHECK(b < positions.size(), "bucket ", bucket, " out of range");
  return bucket_sizes[b] > 0 ? positions[b] / bucket_sizes[b] : 0;
}

std::map<std::string, std::int64_t> SamplerCursor::to_map() const {
  std::map<std::string, std::int64_t> m;
  m["cursor_version"] = kCursorVersion;
  m["seed"] = bits(seed);
  m["mode"] = mode == SamplingMode::Epoch ? 0 : 1;
  m["step"] = step;
  m["epoch"] = epoch();
  m["num_buckets"] = static_cast<std::int64_t>(positions.size());
  for (std::size_t b = 0; b < positions.size(); ++b) {
    m["bucket_" + std::to_string(b) + "_position"] = positions[b];
    m["bucket_" + std::to_string(b) + "_size"] = bucket_sizes[b];
  }
  m["bucket_rng_seed"] = bits(bucket_rng.seed);
  m["bucket_rng_stream"] = bits(bucket_rng.stream);
  m["bucket_rng_position"] = bits(bucket_rng.position);
  return m;
}

SamplerCursor SamplerCursor::from_map(const std::map<std::string, std::int64_t>& m) {
  std::int64_t version = get(m, "cursor_version");
  S2S_CHECK(version == kCursorVersion, "sampler cursor version ", version, " (this s2s reads ", kCursorVersion, ")");
  SamplerCursor c;
  c.seed = ubits(get(m, "seed"));
  std::int64_t mode = get(m, "mode");
  S2S_CHECK(mode == 0 || mode == 1, "sampler cursor: mode ", mode, " (expected 0 epoch or 1 fidelity)");
  c.mode = mode == 0 ? SamplingMode::Epoch : SamplingMode::Fidelity;
  c.step = get(m, "step");
  std::int64_t k = get(m, "num_buckets");
  S2S_CHECK(k >= 1 && k < 100000, "sampler cursor: num_buckets ", k);
  for (std::int64_t b = 0; b < k; ++b) {
    c.positions.push_back(get(m, "bucket_" + std::to_string(b) + "_position"));
    c.bucket_sizes.push_back(get(m, "bucket_" + std::to_string(b) + "_size"));
  }
  c.bucket_rng.seed = ubits(get(m, "bucket_rng_seed"));
  c.bucket_rng.stream = ubits(get(m, "bucket_rng_stream"));
  c.bucket_rng.position = ubits(get(m, "bucket_rng_position"));
  return c;
}

nlohmann::json SamplerCursor::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : to_map()) j[key] = value;
  return j;
}

SamplerCursor SamplerCursor::from_json(const nlohmann::json& j) {
  S2S_CHECK(j.is_object(), "sampler cursor JSON must be an object");
  std::map<std::string, std::int64_t> m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    S2S_CHECK(it.value().is_number_integer(), "sampler cursor JSON: '", it.key(), "' is not an integer");
    m[it.key()] = it.value().get<std::int64_t>();
  }
  return from_map(m);
}

bool SamplerCursor::operator==(const SamplerCursor& o) const {
  return seed == o.seed && mode == o.mode && step == o.step && positions == o.positions &&
         bucket_sizes == o.bucket_sizes && bucket_rng.seed == o.bucket_rng.seed &&
         bucket_rng.stream == o.bucket_rng.stream && bucket_rng.position == o.bucket_rng.position;
}

}  // namespace s2s::data
