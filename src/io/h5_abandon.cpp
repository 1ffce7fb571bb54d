// Owns: abandoning an HDF5 file whose writes failed (the rule is in s2s/io/h5_file.h).
//
// Why redirect the descriptor rather than just close: HDF5 1.10 flushes a file while closing it;
// when that flush fails (ENOSPC, EDQUOT, EIO) H5Fclose returns an error with the file half
// destroyed but still registered, and HDF5's library shutdown (atexit, or MPI_Finalize's hook in
// parallel HDF5) closes it again and crashes in H5F__close_cb. HDF5 has no "discard this file"
// call, so the descriptor under the sec2 driver is replaced (dup2) by an anonymous memfd: every
// later write and truncate of that file succeeds in memory and the close completes. The file on
// disk keeps whatever was written; its owner (io::AtomicFile) deletes it. The memfd's name marks
// an abandoned file's descriptor (/proc/self/fd/N reads "/memfd:s2s-abandoned-hdf5").
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "h5_types.h"
#include "s2s/io/h5_file.h"

namespace s2s::io::detail {
namespace {

// A file identifier for the file holding `object` (closed on scope exit), or invalid.
struct FileOf {
  explicit FileOf(hid_t object) {
    const H5I_type_t type = H5Iget_type(object);
    if (type == H5I_FILE || type == H5I_GROUP || type == H5I_DATASET || type == H5I_DATATYPE || type == H5I_ATTR)
      id = H5Iget_file_id(object);
    if (id < 0) H5Eclear2(H5E_DEFAULT);
  }
  ~FileOf() {
    if (id >= 0) H5Fclose(id);  // only drops this reference: `object` keeps the file open
  }
  FileOf(const FileOf&) = delete;
  FileOf& operator=(const FileOf&) = delete;
  hid_t id = H5I_INVALID_HID;
};

bool writable(hid_t file) {
  unsigned intent = 0;
  if (file < 0 || H5Fget_intent(file, &intent) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
  return (intent & H5F_ACC_RDWR) != 0;
}

// The POSIX descriptor under `file` (sec2 driver only; s2s opens every file with it), or -1.
int descriptor_of(hid_t file) {
  hid_t fapl = H5Fget_access_plist(file);
  if (fapl < 0) {
    H5Eclear2(H5E_DEFAULT);
    return -1;
  }
  const bool sec2 = H5Pget_driver(fapl) == H5FD_SEC2;
  H5Pclose(fapl);
  void* handle = nullptr;
  if (!sec2 || H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == nullptr) {
    H5Eclear2(H5E_DEFAULT);
    return -1;
  }
  return *static_cast<int*>(handle);
}

constexpr char kSinkName[] = "s2s-abandoned-hdf5";

// True if `fd` is one of our sinks: a memfd of that name (F_GET_SEALS alone would not tell, every
// tmpfs file answers it too).
bool is_abandoned_descriptor(int fd) {
  if (fd < 0) return false;
  char link[64], target[256];
  std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, target, sizeof(target) - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  return std::strncmp(target, "/memfd:", 7) == 0 && std::strncmp(target + 7, kSinkName, sizeof(kSinkName) - 1) == 0;
}

// Why each abandoned file was abandoned (the failed flush's HDF5 message), by file name, so the
// owner's File::close() can report the cause and not only the consequence. Guarded by the HDF5
// lock, which every caller holds.
std::map<std::string, std::string>& reasons() {
  static std::map<std::string, std::string> by_file;
  return by_file;
}

std::string file_name_of(hid_t file) {
  const ssize_t n = H5Fget_name(file, nullptr, 0);
  if (n <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return "";
  }
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Fget_name(file, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}

// Reserves disk blocks for every address HDF5 has allocated in the file ([0, end of allocation)),
// keeping the file size; "" on success, else the reason. Done before each flush we start: HDF5
// 1.10 cannot recover from a failed *metadata* write (after one, even a close with the space
// freed again fails), but every metadata address exists before the flush writes it, so with the
// blocks reserved those writes cannot run out of space. Raw data written later may still fail;
// HDF5 survives that, and the file is then abandoned. Filesystems without fallocate (some network
// ones) get no reservation: best effort.
std::string reserve_allocated_space(hid_t object) {
  FileOf file(object);
  const int fd = descriptor_of(file.id);
  hsize_t size = 0;
  if (fd < 0 || !writable(file.id) || is_abandoned_descriptor(fd) || H5Fget_filesize(file.id, &size) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return "";
  }
  if (size == 0 || ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(size)) == 0) return "";
  const int err = errno;
  if (err == EOPNOTSUPP || err == ENOSYS || err == EINVAL) return "";
  return std::string("cannot reserve ") + std::to_string(size) + " bytes for its final write: " + std::strerror(err);
}

herr_t flush_object(hid_t id, H5I_type_t type) {
  switch (type) {
    case H5I_FILE: return H5Fflush(id, H5F_SCOPE_LOCAL);
    case H5I_DATASET: return H5Dflush(id);
    case H5I_GROUP: return H5Gflush(id);
    default: return 0;  // attributes, types: written into their object's header, flushed with it
  }
}

}  // namespace

bool abandon_file_writes(hid_t object, const std::string& why) noexcept {
  FileOf file(object);
  const int fd = descriptor_of(file.id);
  if (fd < 0) return false;
  if (is_abandoned_descriptor(fd)) return true;  // the first reason stays
  const int sink = ::memfd_create(kSinkName, MFD_CLOEXEC);
  if (sink < 0) return false;
  const bool ok = ::dup2(sink, fd) == fd;
  ::close(sink);
  try {
    if (ok) reasons()[file_name_of(file.id)] = why;
  } catch (...) {  // out of memory: the file is abandoned all the same, only the reason is lost
  }
  return ok;
}

std::string reserve_file_space(hid_t object) {
  return reserve_allocated_space(object);
}

hid_t writer_access_plist() {
  // Metadata is written only by the flushes we start (each after reserve_file_space), never by
  // cache evictions in the middle of a write: evictions off, which HDF5 allows only with the
  // automatic cache resizing off too. The cache then holds all of a file's metadata; for s2s's
  // files (checkpoints: a few hundred objects; datasets: a few chunk indexes) that is well under
  // a few MB.
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return fapl;
  H5AC_cache_config_t config;
  config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  if (H5Pget_mdc_config(fapl, &config) >= 0) {
    config.evictions_enabled = false;
    config.incr_mode = H5C_incr__off;
    config.flash_incr_mode = H5C_flash_incr__off;
    config.decr_mode = H5C_decr__off;
    H5Pset_mdc_config(fapl, &config);
  }
  H5Eclear2(H5E_DEFAULT);
  return fapl;
}

std::optional<std::string> file_writes_abandoned(hid_t object) noexcept {
  FileOf file(object);
  if (!is_abandoned_descriptor(descriptor_of(file.id))) return std::nullopt;
  try {
    auto it = reasons().find(file_name_of(file.id));
    if (it == reasons().end()) return std::string();
    std::string why = it->second;
    reasons().erase(it);
    return why;
  } catch (...) {
    return std::string();
  }
}

void prepare_close(hid_t id, H5I_type_t type, bool unwinding) noexcept {
  if (type != H5I_FILE && type != H5I_GROUP && type != H5I_DATASET) return;
  {
    FileOf file(id);
    if (!writable(file.id)) return;
  }
  if (unwinding) {
    H5Eclear2(H5E_DEFAULT);
    abandon_file_writes(id, "an exception was thrown while it was being written");
    return;
  }
  std::string reserve_failed;
  try {
    reserve_failed = reserve_allocated_space(id);
  } catch (...) {
  }
  if (!reserve_failed.empty()) {
    abandon_file_writes(id, reserve_failed);
    return;
  }
  if (flush_object(id, type) >= 0) return;
  std::string why;
  try {
    why = s2s::detail::h5_error_text();
  } catch (...) {
  }
  H5Eclear2(H5E_DEFAULT);
  abandon_file_writes(id, why);
}

}  // namespace s2s::io::detail
