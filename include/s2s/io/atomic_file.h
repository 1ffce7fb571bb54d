#pragma once
// Owns: replacing a file atomically. Writers write a temporary file in the SAME folder as the
// target (so rename(2) stays within one filesystem), then commit(): fsync the temporary, rename it
// over (or, without overwrite, onto a free) target name, fsync the folder so the new directory
// entry is durable. Readers therefore see the old file or the complete new one, never a partial
// one. If commit() is never reached (an exception, a return), the destructor removes the
// temporary. A process killed by SIGKILL can leave a hidden ".NAME.tmp-*" file behind; it is never
// mistaken for the output.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s2s::io {

class AtomicFile {
 public:
  // Throws if `final_path` exists and !overwrite (checked now and again at commit), or if its
  // folder does not exist.
  AtomicFile(std::string final_path, bool overwrite);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }
  // The writer must have closed the temporary (HDF5 file closed, stream flushed) before this.
  void commit();
  bool committed() const { return committed_; }

 private:
  std::string final_path_;
  std::string temp_path_;
  bool overwrite_;
  bool committed_ = false;
};

// fsync(2) of a file or folder by path; throws s2s::Error naming the path.
void fsync_path(const std::string& path, bool directory);

// A temporary AtomicFile named ".NAME.tmp-PID-XXXXXXXX" (PID decimal, 8 lowercase hex digits).
struct TemporaryName {
  std::string target;  // NAME: the file it was going to become
  long pid = 0;        // the writer's process id (on the host that wrote it)
};
// Parses an AtomicFile temporary's file name; nullopt for any other name.
std::optional<TemporaryName> parse_temporary_name(std::string_view file_name);

// Removes the temporaries in `dir` that were going to become a file accepted by `is_target` and
// whose writer is no longer running on this host (a SIGKILLed writer never removes its own).
// The calling process counts as no writer: call this before writing in `dir` yourself. A writer
// on another host sharing the folder is not visible here: the caller must know there is none.
// Returns the removed paths.
std::vector<std::string> remove_stale_temporaries(const std::string& dir,
                                                  const std::function<bool(const std::string&)>& is_target);

}  // namespace s2s::io
