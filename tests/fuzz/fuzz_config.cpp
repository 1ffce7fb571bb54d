// Fuzz target: the config loader (src/config): YAML text and `--set key=value` overrides.
// Input: YAML text, then optionally NUL-separated overrides ("a\0train.max_steps=3\0...").
// Every rejection must be an s2s::Error (the CLI prints it as a clear message); any other
// exception escaping (a yaml-cpp exception, std::out_of_range, ...) is reported as a crash.
// A configuration that loads and validates must survive a round trip through config_to_yaml
// (what a checkpoint stores and a resume reads back) unchanged: config_equal.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "s2s/config/config.h"
#include "s2s/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t nul = all.find('\0', start);
    parts.push_back(all.substr(start, nul == std::string::npos ? std::string::npos : nul - start));
    if (nul == std::string::npos) break;
    start = nul + 1;
  }
  const std::vector<std::string> overrides(parts.begin() + 1, parts.end());
  s2s::config::TrainConfig cfg;
  try {
    cfg = s2s::config::config_from_yaml_text(parts[0], "fuzz.yaml");
    s2s::config::config_apply_overrides(cfg, overrides);
    s2s::config::config_validate(cfg);
  } catch (const s2s::Error&) {
    return 0;  // rejected with a message: fine
  }
  const std::string dumped = s2s::config::config_to_yaml(cfg);
  s2s::config::TrainConfig again;
  try {
    again = s2s::config::config_from_yaml_text(dumped, "dump.yaml");
    s2s::config::config_validate(again);
  } catch (const s2s::Error& e) {
    s2s::fuzz::property_failed(std::string("a valid config's dump does not load: ") + e.what() + "\n" + dumped);
  }
  if (!s2s::config::config_equal(cfg, again))
    s2s::fuzz::property_failed("config_to_yaml round trip changed the config:\n" + dumped);
  return 0;
}
