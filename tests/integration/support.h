#pragma once
// Owns: helpers of the integration suite (tests/integration/): temporary folders, tiny synthetic
// datasets, tiny training configs, in-process runs of run_training on a Local World, runs of the
// `s2s` binary as a subprocess (exit code, stdout, stderr, signals), and checkpoint comparison
// that ignores only what is not meant to be resumed (wall time, the config text, file info).
// Why: every integration test needs the same few seconds-long setup; keeping it here keeps each
// test file about one property.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "s2s/checkpoint/checkpoint.h"
#include "s2s/config/config.h"
#include "s2s/train/trainer.h"

namespace s2s::itest {

// A fresh folder under $TMPDIR (or /tmp), removed on destruction unless S2S_KEEP_TEST_DIRS is set.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A tiny reverse-task dataset: alphabet 8 (vocabulary 12 with the 4 specials), lengths 2..4,
// buckets (3,4) and (5,6); `pairs` training pairs, `dev_pairs` dev pairs, written to `path`.
struct TinyData {
  std::int64_t pairs = 48;
  std::int64_t dev_pairs = 8;
  std::uint64_t seed = 11;
  int alphabet = 8;
  int min_length = 2;
  int max_length = 4;
  std::string buckets = "3,4:5,6";
  std::string task = "reverse";
};
void make_dataset(const std::string& path, const TinyData& d = {});

// `--set` assignments of a tiny model (GRU 1x8 with attention, full softmax, SGD, batch 4,
// a checkpoint every 4 steps, all checkpoints kept, both dev evaluations) on `dataset`.
std::vector<std::string> tiny_overrides(const std::string& dataset, const std::string& train_dir);
// Defaults + assignments (later ones win), validated: what `s2s train --set ...` would build.
config::TrainConfig make_config(const std::vector<std::string>& assignments);
// run_training on a one-process Local World (no MPI).
train::TrainResult train_local(const config::TrainConfig& cfg);

// Reads a checkpoint and clears what a resumed run legitimately changes: the window's wall time
// (scalars/window_seconds), the stored config text (max_steps/resume differ), the run id (a
// straight run is another run), the file info.
checkpoint::CheckpointState read_normalized(const std::string& path);
// "" when equal (bitwise); otherwise the first difference.
std::string compare_checkpoints(const std::string& a, const std::string& b);
// ckpt-*.h5 steps present in a train_dir, ascending.
std::vector<std::int64_t> checkpoint_steps(const std::string& train_dir);

// ---- the s2s binary -------------------------------------------------------------------------
std::string s2s_binary();
std::string source_dir();

struct ProcessResult {
  int code = -1;        // exit status, or 128 + signal when killed
  std::string out, err;
  double seconds = 0;
};

// A running subprocess with stdout/stderr going to files (readable while it runs).
class Child {
 public:
  // argv[0] is the program; `stdin_text` is fed through a file.
  Child(const std::vector<std::string>& argv, const std::string& log_prefix, const std::string& stdin_text = "");
  ~Child();  // kills (SIGKILL) and reaps a child still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Exit code (128 + signal if killed); nullopt if still running after `timeout_s`.
  std::optional<int> wait(double timeout_s);
  std::string out() const;  // what it wrote so far
  std::string err() const;
  // Polls stdout until it contains `needle`; false after timeout_s or if the child exited.
  bool wait_for_output(const std::string& needle, double timeout_s);

 private:
  pid_t pid_ = -1;
  std::optional<int> code_;
  std::string out_path_, err_path_;
};

// Runs to completion (SIGKILL after timeout_s, reported as code 137).
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& scratch_dir,
                          double timeout_s = 60, const std::string& stdin_text = "");
// run_process with s2s_binary() prepended.
ProcessResult run_s2s(const std::vector<std::string>& args, const std::string& scratch_dir, double timeout_s = 60,
                      const std::string& stdin_text = "");
// `--set a --set b ...`
std::vector<std::string> as_set_args(const std::vector<std::string>& assignments);

// The lines of `text` (without their newlines).
std::vector<std::string> lines_of(const std::string& text);
std::string read_file(const std::string& path);

// dir/ckpt-<step>.h5: the checkpoint file name of docs/checkpoint-format.md, spelled here from
// the documentation rather than taken from checkpoint_manager.cpp, which the tests check.
inline std::string ckpt(const std::string& dir, std::int64_t step) {
  return dir + "/ckpt-" + std::to_string(step) + ".h5";
}
void write_file(const std::string& path, const std::string& text);

}  // namespace s2s::itest
