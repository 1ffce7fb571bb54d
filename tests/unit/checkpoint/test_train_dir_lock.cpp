// Tests of the train_dir lock (checkpoint/train_dir_lock.h): a second holder is refused with the
// first one's pid and host; the lock is free again after release, and after its holder is
// SIGKILLed (the kernel drops a dead process's flock; no stale lock).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "s2s/checkpoint/train_dir_lock.h"
#include "s2s/core/error.h"

using namespace s2s;
using namespace s2s::checkpoint;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/s2s_lock_test_XXXXXX";
    char* p = ::mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path = p;
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string host() {
  char h[256] = "?";
  ::gethostname(h, sizeof(h) - 1);
  return h;
}

}  // namespace

TEST(TrainDirLock, SecondHolderIsRefusedNamingTheFirst) {
  TempDir dir;
  {
    TrainDirLock first(dir.path);
    // flock conflicts between two open file descriptions, in one process as across processes.
    const std::string e = error_of([&] { TrainDirLock second(dir.path); });
    EXPECT_THAT(e, HasSubstr("train_dir " + dir.path + " is in use by another training job"));
    EXPECT_THAT(e, HasSubstr("pid " + std::to_string(::getpid()) + " on host " + host()));
    EXPECT_THAT(describe_lock_holder(first.path()), HasSubstr("pid " + std::to_string(::getpid())));
  }
  EXPECT_NO_THROW(TrainDirLock again(dir.path));  // released with its holder
}

TEST(TrainDirLock, KilledHolderLeavesNoStaleLock) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    TrainDirLock held(dir.path);
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  const std::string e = error_of([&] { TrainDirLock mine(dir.path); });
  EXPECT_THAT(e, HasSubstr("pid " + std::to_string(child) + " on host "));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_NO_THROW(TrainDirLock mine(dir.path));
  ::close(ready[0]);
  ::close(ready[1]);
}
