// Owns: Kwargs (see kwargs.h).
#include "s2s/conformance/kwargs.h"

#include "s2s/core/error.h"

namespace s2s::conformance {

Kwargs::Kwargs(const nlohmann::json& object, std::string where) : object_(object), where_(std::move(where)) {
  S2S_CHECK(object_.is_object(), where_, ": expected a JSON object, got ", object_.dump());
}

const nlohmann::json* Kwargs::find(const std::string& key) const {
  used_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

bool Kwargs::has(const std::string& key) const {
  const auto* v = find(key);
  return v != nullptr && !v->is_null();
}
bool Kwargs::present(const std::string& key) const { return find(key) != nullptr; }

const nlohmann::json& Kwargs::get(const std::string& key) const {
  const auto* v = find(key);
  S2S_CHECK(v != nullptr, where_, ": missing key \"", key, "\"");
  return *v;
}

bool Kwargs::get_bool(const std::string& key, std::optional<bool> fallback) const {
  const auto* v = find(key);
  if ((v == nullptr || v->is_null()) && fallback) return *fallback;
  S2S_CHECK(v != nullptr && v->is_boolean(), where_, ": \"", key, "\" must be a boolean",
            v ? ", got " + v->dump() : std::string(" (missing)"));
  return v->get<bool>();
}

std::int64_t Kwargs::get_int(const std::string& key, std::optional<std::int64_t> fallback) const {
  const auto* v = find(key);
  if ((v == nullptr || v->is_null()) && fallback) return *fallback;
  S2S_CHECK(v != nullptr && v->is_number_integer(), where_, ": \"", key, "\" must be an integer",
            v ? ", got " + v->dump() : std::string(" (missing)"));
  return v->get<std::int64_t>();
}

double Kwargs::get_double(const std::string& key, std::optional<double> fallback) const {
  const auto* v = find(key);
  if ((v == nullptr || v->is_null()) && fallback) return *fallback;
  S2S_CHECK(v != nullptr && v->is_number(), where_, ": \"", key, "\" must be a number",
            v ? ", got " + v->dump() : std::string(" (missing)"));
  return v->get<double>();
}

std::string Kwargs::get_string(const std::string& key, std::optional<std::string> fallback) const {
  const auto* v = find(key);
  if ((v == nullptr || v->is_null()) && fallback) return *fallback;
  S2S_CHECK(v != nullptr && v->is_string(), where_, ": \"", key, "\" must be a string",
            v ? ", got " + v->dump() : std::string(" (missing)"));
  return v->get<std::string>();
}

std::optional<std::int64_t> Kwargs::optional_int(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_int(key);
}
std::optional<double> Kwargs::optional_double(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_double(key);
}

Kwargs Kwargs::sub(const std::string& key) const { return Kwargs(get(key), where_ + "." + key); }

void Kwargs::finish() const {
  std::string unknown;
  for (auto it = object_.begin(); it != object_.end(); ++it)
    if (used_.count(it.key()) == 0) unknown += (unknown.empty() ? "" : ", ") + it.key();
  S2S_CHECK(unknown.empty(), where_, ": unsupported key(s) ", unknown);
}

}  // namespace s2s::conformance
