// Owns: AtomicFile (temporary in the same folder, fsync, rename, fsync of the folder), and
// recognising and removing the temporaries of writers that died.
#include "s2s/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <random>

#include "s2s/core/error.h"

namespace s2s::io {

namespace {
std::string parent_of(const std::string& path) {
  std::filesystem::path p(path);
  std::filesystem::path parent = p.parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}
}  // namespace

void fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) S2S_FAIL("cannot open ", path, " to fsync it: ", std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) S2S_FAIL("fsync of ", path, " failed: ", std::strerror(err));
}

AtomicFile::AtomicFile(std::string final_path, bool overwrite)
    : final_path_(std::move(final_path)), overwrite_(overwrite) {
  S2S_CHECK(!final_path_.empty(), "output path is empty");
  std::string dir = parent_of(final_path_);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    S2S_FAIL(final_path_, ": folder ", dir, " does not exist (expected an existing folder for the output)");
  if (!overwrite_ && exists(final_path_))
    S2S_FAIL(final_path_, " already exists (refusing to overwrite it; pass --force to replace it)");
  std::random_device rd;
  std::string name = std::filesystem::path(final_path_).filename().string();
  // The format parse_temporary_name() reads back.
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), "%d-%08x", static_cast<int>(::getpid()), rd());
  temp_path_ = (std::filesystem::path(dir) / ("." + name + ".tmp-" + suffix)).string();
}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::commit() {
  S2S_CHECK(!committed_, "AtomicFile::commit called twice for ", final_path_);
  S2S_CHECK(exists(temp_path_), "nothing was written to ", temp_path_, " for ", final_path_);
  fsync_path(temp_path_, false);
  if (overwrite_) {
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
      S2S_FAIL("cannot rename ", temp_path_, " to ", final_path_, ": ", std::strerror(errno));
  } else {
    // Without overwrite the target must still be free: renameat2(RENAME_NOREPLACE) checks and
    // renames in one step (link+unlink where the filesystem lacks it).
    if (::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, final_path_.c_str(), RENAME_NOREPLACE) != 0) {
      int err = errno;
      if (err == EEXIST) S2S_FAIL(final_path_, " appeared while it was being written (refusing to overwrite it)");
      if (err != EINVAL && err != ENOSYS) S2S_FAIL("cannot rename ", temp_path_, " to ", final_path_, ": ", std::strerror(err));
      if (::link(temp_path_.c_str(), final_path_.c_str()) != 0)
        S2S_FAIL("cannot link ", temp_path_, " to ", final_path_, ": ", std::strerror(errno));
      ::unlink(temp_path_.c_str());
    }
  }
  committed_ = true;
  fsync_path(parent_of(final_path_), true);
}

std::optional<TemporaryName> parse_temporary_name(std::string_view name) {
  // ".NAME.tmp-PID-XXXXXXXX": parsed from the right, since NAME may itself contain ".tmp-".
  constexpr std::string_view kMarker = ".tmp-";
  constexpr std::size_t kHex = 8;
  if (name.size() < 1 + 1 + kMarker.size() + 1 + 1 + kHex || name.front() != '.') return std::nullopt;
  const std::string_view hex = name.substr(name.size() - kHex);
  if (!std::all_of(hex.begin(), hex.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return std::nullopt;
  std::string_view rest = name.substr(0, name.size() - kHex);
  if (rest.back() != '-') return std::nullopt;
  rest.remove_suffix(1);
  const std::size_t marker = rest.rfind(kMarker);
  if (marker == std::string_view::npos || marker < 2) return std::nullopt;
  const std::string_view digits = rest.substr(marker + kMarker.size());
  if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  TemporaryName t;
  t.target = std::string(rest.substr(1, marker - 1));
  t.pid = std::stol(std::string(digits));
  if (t.pid <= 0) return std::nullopt;
  return t;
}

std::vector<std::string> remove_stale_temporaries(const std::string& dir,
                                                  const std::function<bool(const std::string&)>& is_target) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    const auto temp = parse_temporary_name(entry.path().filename().string());
    if (!temp || !is_target(temp->target)) continue;
    const bool writer_running = temp->pid != static_cast<long>(::getpid()) &&
                                (::kill(static_cast<pid_t>(temp->pid), 0) == 0 || errno == EPERM);
    if (writer_running) continue;
    if (::unlink(entry.path().c_str()) == 0) removed.push_back(entry.path().string());
  }
  S2S_CHECK(!ec, "cannot list ", dir, " to remove stale temporaries: ", ec.message());
  std::sort(removed.begin(), removed.end());
  return removed;
}

}  // namespace s2s::io
