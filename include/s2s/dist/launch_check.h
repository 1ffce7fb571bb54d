#pragma once
// Owns: the launch self-check of `s2s train`, run once at start-up after the device is chosen.
// Every rank collects its facts (host name, local rank, the device it took, the launcher's
// variables it sees, whether it can read the dataset, whether it sees the token file rank 0 just
// wrote into train_dir); all_gather_strings gives every rank every rank's facts; judge_launch turns
// them into one summary line (hosts x ranks per host, devices, launcher, dataset, train_dir),
// warnings and errors. Each error names the ranks and hosts concerned; any error fails the run on
// every rank (enforce_launch), before the model is built.
//
// Errors: the world size differs from what the launcher started (OMPI_COMM_WORLD_SIZE from
// mpirun, PMI_SIZE, SLURM_STEP_NUM_TASKS from srun: e.g. `srun -n 2` of ranks that each came up
// as a world of one); two ranks on one GPU (same UUID) when one GPU per rank is needed (NCCL); a
// rank that cannot read the dataset, or reads a different file under the same path; a rank that
// does not see rank 0's token in train_dir (train_dir not shared) unless the policy allows it.
// Warnings: a Slurm allocation (SLURM_NTASKS, no srun step) of another size than the world, one
// host name on several shared-memory nodes. Why train_dir must be shared: rank 0 alone reads and
// writes checkpoints, so a restart that puts rank 0 on another host (a Slurm requeue) would not
// find them and would silently start again from step 0.
// judge_launch and the facts' encoding are pure (unit-tested with hand-made facts).
#include <string>
#include <string_view>
#include <vector>

#include "s2s/dist/log.h"
#include "s2s/dist/world.h"

namespace s2s::dist {

struct RankFacts {
  int rank = 0;
  std::string host;
  int local_rank = 0, local_size = 1;
  std::string device = "cpu";  // "cpu" or "cuda:<index>"
  std::string device_id;       // a GPU's UUID; empty for the CPU (shared freely)
  // The launcher variables this rank saw, "NAME=value" separated by spaces (launcher_variables()).
  std::string launcher;
  // Empty when not checked; "ok <bytes> <fingerprint>" or "error <reason>".
  std::string dataset;
  // Empty when not checked; "seen" (rank 0's token read back) or "error <reason>".
  std::string train_dir;
};

// One line per fact, tab-free fields joined by tabs (decode_facts(encode_facts(f)) == f).
std::string encode_facts(const RankFacts& facts);
RankFacts decode_facts(std::string_view text);

// The launcher variables set in `lookup`: OMPI_COMM_WORLD_SIZE, PMI_SIZE, SLURM_STEP_NUM_TASKS,
// SLURM_NTASKS, SLURM_PROCID, as "NAME=value ..." (empty when none is set).
std::string launcher_variables(const EnvLookup& lookup);

struct LaunchCheckOptions {
  std::string dataset;    // path every rank must read (same bytes); empty: not checked
  std::string train_dir;  // folder rank 0 writes; empty: not checked
  std::string device = "cpu";
  std::string device_id;
  bool one_device_per_rank = false;       // two ranks with one device_id are an error (else a warning)
  bool require_shared_train_dir = true;   // false: a train_dir not shared is a warning
};

struct LaunchReport {
  std::string summary;  // empty for a single rank started without a launcher
  std::vector<std::string> warnings;
  std::vector<std::string> errors;
};

// facts[r] is rank r's (facts.size() is the world size).
LaunchReport judge_launch(const std::vector<RankFacts>& facts, const LaunchCheckOptions& options);

// Collective. With one rank the dataset and train_dir are not probed (nothing to compare; the
// dataset reader reports its own errors) and train_dir is not created.
LaunchReport check_launch(World& world, const LaunchCheckOptions& options);

// Rank 0 logs the summary and the warnings; on errors every rank throws the same s2s::Error.
void enforce_launch(const World& world, const LaunchReport& report);

}  // namespace s2s::dist
