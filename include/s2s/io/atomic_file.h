#pragma once
// Owns: replacing a file atomically. Writers write a temporary file in the SAME folder as the
// target (so rename(2) stays within one filesystem), then commit(): fsync the temporary, rename it
// over (or, without overwrite, onto a free) target name, fsync the folder so the new directory
// entry is durable. Readers therefore see the old file or the complete new one, never a partial
// one. If commit() is never reached (an exception, a return), the destructor removes the
// temporary. A process killed by SIGKILL can leave a hidden ".NAME.tmp-*" file behind; it is never
// mistaken for the output.
#include <string>

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

}  // namespace s2s::io
