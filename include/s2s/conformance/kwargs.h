#pragma once
// Owns: strict access to a fixture's kwargs JSON. Every key a call reads is recorded; keys nobody
// read are an error (an option the harness ignored would make a comparison meaningless).
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace s2s::conformance {

class Kwargs {
 public:
  Kwargs(const nlohmann::json& object, std::string where);

  bool has(const std::string& key) const;      // present and not null (marks it read)
  bool present(const std::string& key) const;  // present, possibly null (marks it read)
  bool get_bool(const std::string& key, std::optional<bool> fallback = std::nullopt) const;
  std::int64_t get_int(const std::string& key, std::optional<std::int64_t> fallback = std::nullopt) const;
  double get_double(const std::string& key, std::optional<double> fallback = std::nullopt) const;
  std::string get_string(const std::string& key, std::optional<std::string> fallback = std::nullopt) const;
  std::optional<std::int64_t> optional_int(const std::string& key) const;  // absent or null: none
  std::optional<double> optional_double(const std::string& key) const;
  const nlohmann::json& get(const std::string& key) const;  // required, any type
  Kwargs sub(const std::string& key) const;                   // a nested object
  const std::string& where() const { return where_; }

  // Throws naming every key that was never read.
  void finish() const;

 private:
  const nlohmann::json* find(const std::string& key) const;
  const nlohmann::json& object_;
  std::string where_;
  mutable std::set<std::string> used_;
};

}  // namespace s2s::conformance
