// Owns: the environment-variable table and its reader (see s2s/core/environment.h).
#include "s2s/core/environment.h"

#include <array>
#include <cstdlib>

#include "s2s/core/error.h"

namespace s2s {
namespace {

// Launchers' rank and size variables are read before MPI is up (log tags, error messages) and by
// S2S_MPI=0's refusal to run as one of several tasks: Open MPI's mpirun, MPICH's hydra and PMI-2
// srun, PMIx, Slurm.
constexpr std::array<EnvironmentVariable, 15> kVariables{{
    {"S2S_MPI", "unset: MPI",
     "`0`: `s2s train`/`eval` run as one process without initialising MPI (refused when a launcher "
     "reports several tasks); `1` or unset: MPI (a singleton when started without a launcher)",
     "dist/world.cpp"},
    {"S2S_DIST_TIMEOUT_S", "300 (`s2s train`: `dist.timeout_s`, 600)",
     "Deadline of every collective, in seconds (> 0). `s2s train` takes it only when the config key "
     "`dist.timeout_s` is not set explicitly",
     "dist/world.cpp, train/session.cpp"},
    {"S2S_STAGING_BYTES", "67108864 (64 MiB)",
     "Size of the pinned host staging ring of the CUDA allocator, in bytes (suffixes K, M, G)",
     "kernels/cuda/allocator.cpp"},
    {"TMPDIR", "/tmp", "Where `s2s eval --source/--target` writes its tokenized scratch files (removed at exit)",
     "cli/eval_command.cpp"},
    {"OMPI_COMM_WORLD_RANK", "unset", "Set by Open MPI's mpirun: this process's rank, before MPI is up",
     "core/error.cpp, dist/log.cpp"},
    {"PMI_RANK", "unset", "Set by MPICH's hydra (and srun --mpi=pmi2): the rank", "core/error.cpp, dist/log.cpp"},
    {"PMIX_RANK", "unset", "Set by PMIx launchers: the rank", "core/error.cpp, dist/log.cpp"},
    {"SLURM_PROCID", "unset", "Set by srun: the task's rank", "core/error.cpp, dist/log.cpp"},
    {"OMPI_COMM_WORLD_SIZE", "unset",
     "Set by Open MPI's mpirun: the number of ranks (log tags; with `S2S_MPI=0`, more than 1 is refused)",
     "dist/log.cpp, dist/world.cpp"},
    {"PMI_SIZE", "unset", "Set by hydra / srun --mpi=pmi2: the number of ranks (as `OMPI_COMM_WORLD_SIZE`)",
     "dist/log.cpp, dist/world.cpp"},
    {"SLURM_NTASKS", "unset", "Set by srun: the number of tasks (log tags; the launch check warns when the world differs)",
     "dist/log.cpp, dist/launch_check.cpp"},
    {"SLURM_STEP_NUM_TASKS", "unset",
     "Set by srun per job step: the tasks of this step; the launch check refuses a world of another size",
     "dist/launch_check.cpp"},
    {"SLURM_JOB_ID", "unset", "Set inside a Slurm job: the process was started by a launcher (progress bars off)",
     "dist/log.cpp"},
    {"OPENBLAS_NUM_THREADS", "unset: all cores",
     "Threads of the CPU GEMMs: OpenBLAS's (float64) and, when `OMP_NUM_THREADS` is unset, oneDNN's (float32). "
     "`1` per rank when several ranks share a node",
     "kernels/cpu/gemm.cpp (OpenBLAS reads it itself)"},
    {"OMP_NUM_THREADS", "unset: `OPENBLAS_NUM_THREADS`, else all cores",
     "OpenMP threads of oneDNN's float32 GEMMs (`S2S_CPU_SGEMM=onednn`, the default build)",
     "kernels/cpu/gemm.cpp (libgomp reads it itself)"},
}};

std::string escape_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

}  // namespace

std::span<const EnvironmentVariable> environment_variables() { return kVariables; }

const char* env_value(std::string_view name) {
  for (const auto& v : kVariables)
    if (v.name == name) return std::getenv(std::string(name).c_str());
  S2S_FAIL("internal: environment variable ", name,
           " is read but not declared in the table of src/core/environment.cpp (add a row: name, default, meaning)");
}

std::string environment_markdown_table() {
  std::string t = "| variable | default | meaning |\n|---|---|---|\n";
  for (const auto& v : kVariables)
    t += "| `" + std::string(v.name) + "` | " + escape_cell(v.default_text) + " | " + escape_cell(v.meaning) + " |\n";
  return t;
}

}  // namespace s2s
