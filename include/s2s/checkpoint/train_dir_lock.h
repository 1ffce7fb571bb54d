#pragma once
// Owns: the advisory lock that makes a train_dir belong to one training job at a time: flock(2)
// on <train_dir>/lock, held for the life of the TrainDirLock, with the holder's pid, host and
// start time written into the file for the next job's error message.
// Why flock: the kernel releases it when the holder exits in any way (SIGKILL, a crash), so no
// stale lock survives a dead job, and a second job fails at once instead of both writing
// checkpoints, `latest` and metrics into one folder (the last writer wins). Advisory only: it
// binds s2s jobs, not other programs. On NFS, flock works across hosts where the server supports
// it (Linux maps it to a POSIX lock since 2.6.12); a filesystem without locks is an error naming it.
// Who takes it: rank 0 of a training job only (the only rank that writes into train_dir), before
// it writes anything there (stale-temporary cleanup included).
#include <string>

namespace s2s::checkpoint {

class TrainDirLock {
 public:
  // Locks <train_dir>/lock (creating it), without waiting. Throws s2s::Error when another job
  // holds it, naming the train_dir and the holder's pid, host and start time.
  explicit TrainDirLock(const std::string& train_dir);
  ~TrainDirLock();  // releases (closing the descriptor releases the flock)
  TrainDirLock(const TrainDirLock&) = delete;
  TrainDirLock& operator=(const TrainDirLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// "pid 123 on host node7 since 2026-12-08T00:50:00Z": what the lock file says about its holder
// ("unknown holder" when it is empty or unreadable).
std::string describe_lock_holder(const std::string& lock_path);

}  // namespace s2s::checkpoint
