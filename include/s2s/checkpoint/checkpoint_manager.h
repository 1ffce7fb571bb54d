#pragma once
// Owns: the checkpoints of one train_dir: `ckpt-<step>.h5` naming, the `latest` pointer file
// (one line "ckpt-<step>.h5", replaced atomically), keep-N rotation, and resolving `--resume`.
// Rules (docs/checkpoint-format.md):
//   - save() refuses a state with a non-finite parameter or optimizer slot, writes atomically,
//     verifies the new file by reading it back, then moves `latest`, then rotates. A failure at any point leaves the previous checkpoints and `latest` as they
//     were, and no partial file named ckpt-*.h5.
//   - Rotation keeps the `keep` newest checkpoints that verify and deletes older valid ones; a
//     file that does not verify is never deleted or overwritten (an existing corrupt
//     ckpt-<step>.h5 about to be replaced is first renamed to ckpt-<step>.h5.corrupt).
//   - `best.h5` is the best checkpoint by the run's validation metric (train/early_stopping.h): a
//     second name (hard link; a copy where the filesystem has none) of a ckpt-<step>.h5, replaced
//     atomically by mark_best(). Rotation only ever deletes ckpt-<step>.h5 names, so the best
//     checkpoint survives whatever `keep` is; it is never a resume candidate.
//   - A checkpoint verifies when every checksum and the manifest match (checkpoint.h) AND the step
//     in its name equals the step it holds (a ckpt-200.h5 holding step 50 does not verify).
//   - `latest` holds one bare name "ckpt-<step>.h5" of this folder; any other content (an absolute
//     path, another folder's file) is an error naming the pointer, never followed implicitly.
//   - resolve_resume("auto"): the checkpoint named by `latest` if it verifies, else (with a
//     warning per file skipped) the newest ckpt-*.h5 that verifies and is not of another run (its
//     run id differs from the one the file `latest` names still shows); none at all = fresh start;
//     checkpoints that all fail verification = an error naming them.
// Only rank 0 calls save(); any rank may resolve and read.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "s2s/checkpoint/checkpoint.h"

namespace s2s::checkpoint {

struct CheckpointFile {
  std::int64_t step;
  std::string path;
};

struct ResumeChoice {
  std::optional<std::string> path;    // nullopt: start fresh
  std::vector<std::string> warnings;  // corrupt files skipped on the way (also logged)
};

class CheckpointManager {
 public:
  using WarnFn = std::function<void(const std::string&)>;
  // keep = 0 keeps every checkpoint. `warn` defaults to a rank-tagged line on stderr. Creates train_dir.
  CheckpointManager(std::string train_dir, std::int64_t keep, WarnFn warn = {});

  const std::string& train_dir() const { return dir_; }
  std::string path_for_step(std::int64_t step) const;  // <train_dir>/ckpt-<step>.h5

  // Writes ckpt-<state.global_step>.h5 and returns its path (rules above).
  std::string save(const CheckpointState& state);
  // Every ckpt-<step>.h5 in train_dir, oldest first (not verified).
  std::vector<CheckpointFile> list() const;
  // The file named by `latest` (not verified), if the pointer exists; throws when it names
  // anything but a ckpt-<step>.h5 of this folder.
  std::optional<std::string> latest() const;
  // "auto" | "none" | a checkpoint file | a folder (auto inside it).
  ResumeChoice resolve_resume(const std::string& spec);

  // Deletes the temporaries of checkpoint and `latest` writes killed before their rename
  // (io::remove_stale_temporaries: writers no longer running on this host); returns their paths.
  // Rank 0 calls it at the start of training, before its first save.
  std::vector<std::string> remove_stale_temporaries();
  // Makes `best.h5` name the checkpoint at `checkpoint_path` (one of this train_dir's, just saved
  // and verified): a hard link, or a copy when linking is not possible, moved over best.h5
  // atomically. Returns best.h5's path.
  std::string mark_best(const std::string& checkpoint_path);
  std::string best_path() const;  // <train_dir>/best.h5 (may not exist)

  // True if `path` verifies; remembered per (path, size, mtime) so a file is read once.
  bool is_valid(const std::string& path, std::string* error = nullptr);
  // The run id a verified checkpoint holds ("" for format < 3, or when it does not verify).
  std::string run_id_of(const std::string& path);

 private:
  void write_latest(const std::string& file_name);
  void rotate(const std::string& keep_path);
  ResumeChoice resolve_auto(const std::string& dir);

  std::string dir_;
  std::int64_t keep_;
  WarnFn warn_;
  struct Verdict {
    std::int64_t size;
    std::int64_t mtime_ns;
    bool valid;
    std::string error;
    std::string run_id;
  };
  std::map<std::string, Verdict> verdicts_;
};

// ckpt-<step>.h5 -> step; nullopt for any other name.
std::optional<std::int64_t> checkpoint_step_from_name(const std::string& file_name);

}  // namespace s2s::checkpoint
