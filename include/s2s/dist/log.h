#pragma once
// Owns: rank-tagged log lines. Every line is prefixed "[rank r/size] " and written with one
// write(2) to stderr, so lines of different ranks never interleave mid-line.
// Convention: progress (step, loss, throughput) is printed by rank 0 only (log_root); warnings
// and errors that concern one rank are printed by that rank (log_all).
// The identity is set by World (before that: rank from the launcher's environment, size "?").
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace s2s::dist {

void set_log_identity(int rank, int size);
std::string rank_tag();  // "[rank 1/4]"

void log_all(std::string_view line);   // printed by every rank that calls it
void log_root(std::string_view line);  // printed only on rank 0

template <class... Args>
void log_all(fmt::format_string<Args...> format, Args&&... args) {
  log_all(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}
template <class... Args>
void log_root(fmt::format_string<Args...> format, Args&&... args) {
  log_root(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}

}  // namespace s2s::dist
