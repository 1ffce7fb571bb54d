// Owns: the advisory lock on a train_dir (see train_dir_lock.h).
#include "s2s/checkpoint/train_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "s2s/core/error.h"
#include "s2s/core/timestamp.h"

namespace s2s::checkpoint {
namespace {

constexpr const char* kLockName = "lock";

std::string host_name() {
  char host[256] = "?";
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

}  // namespace

std::string describe_lock_holder(const std::string& lock_path) {
  std::ifstream in(lock_path);
  std::string line;
  std::getline(in, line);
  return line.empty() ? std::string("unknown holder") : line;
}

TrainDirLock::TrainDirLock(const std::string& train_dir)
    : path_((std::filesystem::path(train_dir) / kLockName).string()) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  S2S_CHECK(fd_ >= 0, "cannot open the lock file ", path_, " of train_dir ", train_dir, ": ", std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    S2S_CHECK(err != EWOULDBLOCK, "train_dir ", train_dir, " is in use by another training job (",
              describe_lock_holder(path_), ", lock ", path_,
              "): two jobs writing one train_dir would overwrite each other's checkpoints. Wait for it to "
              "end, stop it, or set train.train_dir to another folder");
    S2S_FAIL("cannot lock ", path_, " (flock: ", std::strerror(err),
             "); the filesystem of train_dir ", train_dir, " may not support locks");
  }
  // Ours now: say who holds it, for the next job's message. Written in place (not atomically):
  // only the holder writes it, and a reader sees at worst a partial line.
  const std::string holder = "pid " + std::to_string(::getpid()) + " on host " + host_name() + " since " +
                             utc_timestamp_now() + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, holder.data(), holder.size(), 0) != static_cast<ssize_t>(holder.size())) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    S2S_FAIL("cannot write the lock file ", path_, ": ", std::strerror(err));
  }
}

TrainDirLock::~TrainDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock; the file stays (removing it would race)
}

}  // namespace s2s::checkpoint
