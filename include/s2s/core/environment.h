#pragma once
// Owns: THE table of environment variables the s2s library and binary read (name, default,
// meaning), and the one function that reads them. Code never calls getenv() itself: it asks
// env_value() for a variable of this table, so a new knob cannot appear without a row here, and
// docs/environment.md is generated from the rows (a unit test checks both: tests/unit/core/
// test_environment.cpp scans src/ for getenv and for names missing from the table).
// Does not own: what a value means to its reader (each reader parses and checks its own), nor
// the variables of the test suites and launch scripts (documented where they are read).
#include <span>
#include <string>
#include <string_view>

namespace s2s {

struct EnvironmentVariable {
  std::string_view name;           // "S2S_MPI"
  std::string_view default_text;   // what applies when unset ("unset: MPI")
  std::string_view meaning;        // one line, Markdown
  std::string_view read_by;        // the reader, for a maintainer ("dist/world.cpp")
};

// Every variable s2s reads, in documentation order.
std::span<const EnvironmentVariable> environment_variables();

// The value of `name`, nullptr when unset. `name` must be a row of the table: reading anything
// else is a programming error (s2s::Error naming it), caught by the first test that runs it.
const char* env_value(std::string_view name);

// The Markdown table of docs/environment.md (between its generated-region markers).
std::string environment_markdown_table();

}  // namespace s2s
