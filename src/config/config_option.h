#pragma once
// Owns (private to src/train): the machinery behind one row of the config table: how a value is
// parsed from YAML and range-checked, and how it is written back as YAML text. The rows
// themselves are in config_table.cpp; loading, dumping and docs in config.cpp.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "s2s/config/config.h"

namespace s2s::config::detail {

struct OptionSpec {
  OptionInfo info;
  // Parses `node` into the field; throws s2s::Error naming `where`, the key, the bad value and
  // what is allowed.
  std::function<void(TrainConfig&, const YAML::Node& node, const std::string& where)> set;
  // The field's value as YAML text ("0.5", "gru", "[[5, 10], [10, 15]]", "'train'").
  std::function<std::string(const TrainConfig&)> get;
};

const std::vector<OptionSpec>& option_specs();  // table order
const OptionSpec* find_option(std::string_view key);

// "[[5, 10], [10, 15]]"
std::string buckets_text(const std::vector<Bucket>& buckets);
// Shortest text that reads back as the same double ("0.99", "1e-08", ".inf").
std::string format_double(double v);

}  // namespace s2s::config::detail
