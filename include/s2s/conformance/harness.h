#pragma once
// Owns: checking one fixture end to end (shared/spec/conformance.md "Harness behaviour"): load,
// build the call with the fixture's parameters (never initialising any), run forward under a
// tape, J = Σ expected-path result ⊙ probe, backward, and compare outputs, states, losses and
// every gradient (parameters and float inputs). Error measure per array: max|a − e| / max|e|
// (max|a − e| when e is all zeros); a group's error is the max over its arrays.
#include <optional>
#include <string>
#include <vector>

#include "s2s/core/dtype.h"

namespace s2s::conformance {

// Default tolerances (conformance.md): float64 1e-9, float32 1e-4, relative to max|expected|.
inline constexpr double kTolerance64 = 1e-9;
inline constexpr double kTolerance32 = 1e-4;

struct HarnessOptions {
  Device device = Device::CPU;
  std::optional<double> rtol;  // overrides both defaults
};

struct ArrayError {
  std::string path;  // "outputs", "state/1", "grad/params/kernel", ...
  double error = 0;
  double tolerance = 0;
  bool ok() const { return error <= tolerance; }
};

struct FixtureReport {
  std::string file, function, dtype;
  bool passed = false;
  bool skipped = false;
  std::string message;  // the error, when the call could not be built or run; skip reason
  // Max error per group; negative when the fixture has no array in the group.
  double outputs = -1, state = -1, loss = -1, grads = -1;
  std::vector<ArrayError> arrays;
};

FixtureReport check_fixture(const std::string& path, const HarnessOptions& options = {});

// "PASS  gru_cell  float64  outputs 1.1e-16  state 2.2e-16  loss -  grads 3.3e-16  file"; failing
// arrays follow on indented lines.
std::string format_report(const FixtureReport& r);

// FILE.h5 arguments as they are; a directory becomes its *.h5 files, sorted.
std::vector<std::string> expand_fixture_paths(const std::vector<std::string>& args);

}  // namespace s2s::conformance
