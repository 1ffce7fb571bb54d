// Owns: s2s_mpi_train_compare, the checker the MPI training tests (run_case.sh) run on two
// checkpoints written by runs of different world sizes:
//   s2s_mpi_train_compare A B [--rtol R] [--atol T]
// Integers must be equal (global step, optimizer update count, the sampler cursor: same global
// example order and bucket draws); floating-point tensors (parameters, optimizer slots) and the
// learning-rate history must satisfy |a - b| <= atol + rtol * |b| element by element (summation
// order differs between one rank with batch N*B and N ranks with batch B, so bitwise equality is
// not expected). Prints the largest differences; exit 0 = match, 1 = mismatch, 2 = usage/read error.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "s2s/core/error.h"
#include "s2s/checkpoint/checkpoint.h"

namespace {
using s2s::Tensor;
using s2s::checkpoint::CheckpointState;

struct Tolerance {
  double rtol = 1e-10, atol = 1e-12;
  bool ok(double a, double b) const { return std::fabs(a - b) <= atol + rtol * std::fabs(b); }
};

double element(const Tensor& t, std::int64_t i) {
  if (t.dtype() == s2s::DType::F64) return t.data<double>()[i];
  return t.data<float>()[i];
}

// Returns the number of failures; prints the worst element of every tensor pair that fails.
int compare_maps(const char* what, const std::map<std::string, Tensor>& a, const std::map<std::string, Tensor>& b,
                 const Tolerance& tol, double& worst_abs) {
  int failures = 0;
  if (a.size() != b.size()) {
    std::printf("%s: %zu vs %zu tensors\n", what, a.size(), b.size());
    return 1;
  }
  for (const auto& [name, ta] : a) {
    auto it = b.find(name);
    if (it == b.end()) {
      std::printf("%s: %s only in A\n", what, name.c_str());
      ++failures;
      continue;
    }
    const Tensor& tb = it->second;
    if (ta.shape() != tb.shape() || ta.dtype() != tb.dtype()) {
      std::printf("%s: %s shape/dtype differ\n", what, name.c_str());
      ++failures;
      continue;
    }
    double max_abs = 0;
    std::int64_t bad = 0, at = -1;
    for (std::int64_t i = 0; i < ta.numel(); ++i) {
      const double x = element(ta, i), y = element(tb, i);
      const double d = std::fabs(x - y);
      if (!(d <= max_abs)) {  // NaN counts as worst
        max_abs = d;
        at = i;
      }
      if (!tol.ok(x, y)) ++bad;
    }
    if (max_abs > worst_abs || std::isnan(max_abs)) worst_abs = max_abs;
    if (bad > 0) {
      std::printf("%s: %s: %lld of %lld elements out of tolerance, max |a-b| %.3e at %lld (a %.17g, b %.17g)\n",
                  what, name.c_str(), static_cast<long long>(bad), static_cast<long long>(ta.numel()), max_abs,
                  static_cast<long long>(at), element(ta, at), element(tb, at));
      ++failures;
    }
  }
  return failures;
}

int run(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s A.h5 B.h5 [--rtol R] [--atol T]\n", argv[0]);
    return 2;
  }
  Tolerance tol;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rtol") tol.rtol = std::atof(argv[i + 1]);
    else if (flag == "--atol") tol.atol = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  const CheckpointState a = s2s::checkpoint::read_checkpoint(argv[1]);
  const CheckpointState b = s2s::checkpoint::read_checkpoint(argv[2]);
  int failures = 0;
  auto require = [&](bool cond, const std::string& what) {
    if (!cond) {
      std::printf("differ: %s\n", what.c_str());
      ++failures;
    }
  };
  require(a.global_step == b.global_step, "global_step " + std::to_string(a.global_step) + " vs " + std::to_string(b.global_step));
  require(a.optimizer == b.optimizer, "optimizer");
  require(a.optimizer_updates == b.optimizer_updates, "optimizer_updates");
  // The cursor: every key but the informational epoch must match exactly.
  require(a.sampler_cursor == b.sampler_cursor, "sampler cursor");
  for (const auto& [k, v] : a.sampler_cursor) {
    auto it = b.sampler_cursor.find(k);
    if (it == b.sampler_cursor.end() || it->second != v)
      std::printf("  cursor %s: %lld vs %s\n", k.c_str(), static_cast<long long>(v),
                  it == b.sampler_cursor.end() ? "(missing)" : std::to_string(it->second).c_str());
  }
  require(tol.ok(a.learning_rate, b.learning_rate), "learning_rate");
  require(a.previous_losses.size() == b.previous_losses.size(), "previous_losses length");
  for (std::size_t i = 0; i < std::min(a.previous_losses.size(), b.previous_losses.size()); ++i)
    require(tol.ok(a.previous_losses[i], b.previous_losses[i]), "previous_losses[" + std::to_string(i) + "]");
  double worst = 0;
  failures += compare_maps("params", a.params, b.params, tol, worst);
  failures += compare_maps("optimizer", a.optimizer_state, b.optimizer_state, tol, worst);
  std::printf("%s: step %lld, world sizes %lld vs %lld, max |a-b| %.3e (rtol %.1e, atol %.1e)\n",
              failures ? "MISMATCH" : "match", static_cast<long long>(a.global_step),
              static_cast<long long>(a.world_size), static_cast<long long>(b.world_size), worst, tol.rtol, tol.atol);
  return failures ? 1 : 0;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const s2s::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
