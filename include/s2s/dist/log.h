#pragma once
// Owns: rank-tagged log lines, and whether this process was started by a job launcher. Every line
// is prefixed "<UTC timestamp> [rank r/size] " (core/timestamp.h) and written with one write(2) to
// stderr, so lines of different ranks never interleave mid-line.
// Convention: progress (step, loss, throughput) is printed by rank 0 only (log_root); warnings
// and errors that concern one rank are printed by that rank (log_all).
// The identity is set by World (before that: rank from the launcher's environment, size "?").
#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>

namespace s2s::dist {

void set_log_identity(int rank, int size);
std::string rank_tag();  // "[rank 1/4]"

// True when a job launcher started this process: Open MPI's mpirun (OMPI_COMM_WORLD_SIZE), a
// PMI/PMIx launcher (MPICH's hydra, srun --mpi=...) or Slurm (SLURM_JOB_ID: srun, sbatch). Such a
// process must not trust isatty(): Open MPI gives every rank a pseudo-terminal even when mpirun's
// own output goes to a file. `lookup` is a seam for tests (default: env_value, core/environment.h).
using EnvLookup = std::function<const char*(const char*)>;
bool started_by_launcher(const EnvLookup& lookup);
bool started_by_launcher();  // this process's environment as it was at start (before MPI_Init)

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
