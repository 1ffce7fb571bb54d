// Owns: formatting of s2s::Error messages, and the process identity (rank, host) they carry.
#include "s2s/core/error.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "s2s/core/environment.h"

namespace s2s {
namespace {
std::atomic<int> g_rank{-1};

int rank_from_environment() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"}) {
    if (const char* v = env_value(var)) return std::atoi(v);
  }
  return 0;
}
}  // namespace

void set_process_rank(int rank) { g_rank.store(rank); }

std::string process_identity() {
  int rank = g_rank.load();
  if (rank < 0) rank = rank_from_environment();
  char host[256] = "?";
  gethostname(host, sizeof(host) - 1);
  return detail::concat("rank ", rank, " on ", host);
}

namespace detail {
namespace {
// "src/train/config.cpp" rather than the build machine's absolute path.
std::string_view source_path(const char* file) {
  std::string_view f(file);
  for (std::string_view root : {"/src/", "/include/", "/tests/"}) {
    if (auto at = f.rfind(root); at != std::string_view::npos) return f.substr(at + 1);
  }
  return f;
}
}  // namespace

void check_failed(const char* expr, const std::string& message, const char* file, int line) {
  // The message is for the user; the condition text only when there is no message.
  std::string text = message.empty() && expr != nullptr ? concat("check failed: ", expr) : message;
  text += concat(" (at ", source_path(file), ":", line, ")");
  throw Error(text);
}

void external_call_failed(std::string_view library, const char* call, const std::string& what,
                          const char* file, int line) {
  throw Error(concat(library, " call failed: ", call, ": ", what, " (", source_path(file), ":", line,
                     ", ", process_identity(), ")"));
}
}  // namespace detail
}  // namespace s2s
