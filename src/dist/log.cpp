// Owns: rank-tagged log lines (see s2s/dist/log.h).
#include "s2s/dist/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "s2s/core/timestamp.h"
#include "s2s/core/environment.h"

namespace s2s::dist {
namespace {
std::atomic<int> g_rank{-1};
std::atomic<int> g_size{-1};

int env_int(std::initializer_list<const char*> names, int fallback) {
  for (const char* n : names)
    if (const char* v = env_value(n)) return std::atoi(v);
  return fallback;
}
}  // namespace

void set_log_identity(int rank, int size) {
  g_rank.store(rank);
  g_size.store(size);
}

std::string rank_tag() {
  int rank = g_rank.load();
  int size = g_size.load();
  if (rank < 0) rank = env_int({"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"}, 0);
  if (size < 0) size = env_int({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"}, 1);
  return fmt::format("[rank {}/{}]", rank, size);
}

bool started_by_launcher(const EnvLookup& lookup) {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK", "SLURM_JOB_ID"})
    if (lookup(name) != nullptr) return true;
  return false;
}

namespace {
// Read while the process loads, before MPI_Init: Open MPI's singleton init (the binary started
// without mpirun) sets PMIX_RANK in this process's environment, which would read as a launcher.
const bool kStartedByLauncher =
    started_by_launcher([](const char* name) -> const char* { return env_value(name); });
}  // namespace

bool started_by_launcher() { return kStartedByLauncher; }

void log_all(std::string_view line) {
  std::string text = utc_timestamp_now();
  text += ' ';
  text += rank_tag();
  text += ' ';
  text += line;
  if (text.empty() || text.back() != '\n') text += '\n';
  // One write(2): lines of different ranks sharing a terminal or file never interleave.
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
}

void log_root(std::string_view line) {
  int rank = g_rank.load();
  if (rank < 0) rank = env_int({"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"}, 0);
  if (rank == 0) log_all(line);
}

}  // namespace s2s::dist
