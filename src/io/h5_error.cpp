// Owns: s2s::detail::h5_error_text() (declared in s2s/core/h5_check.h), the process-wide HDF5
// lock, and switching off HDF5's automatic error-stack printing (errors go into s2s::Error).
#include <hdf5.h>

#include <mutex>
#include <string>

#include "s2s/core/h5_check.h"
#include "s2s/io/h5_file.h"

namespace s2s {
namespace detail {
namespace {
struct WalkResult {
  std::string innermost;
  std::string api;
};
herr_t collect(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<WalkResult*>(data);
  std::string where = err->func_name != nullptr ? err->func_name : "?";
  if (n == 0) out->innermost = std::string(err->desc != nullptr ? err->desc : "") + " (in " + where + ")";
  out->api = where;  // walking upward, the last entry is the API call
  return 0;
}
}  // namespace

std::string h5_error_text() {
  std::lock_guard<std::recursive_mutex> lock(io::h5_mutex());
  WalkResult result;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &result);
  H5Eclear2(H5E_DEFAULT);
  if (result.innermost.empty()) return "";  // as declared in s2s/core/h5_check.h
  if (!result.api.empty() && result.innermost.find(result.api) == std::string::npos)
    result.innermost += ", called from " + result.api;
  // One line: HDF5's I/O messages hold a newline ("time = ...\n, filename = ..."), which would
  // split the "s2s: error:" line.
  for (char& c : result.innermost)
    if (c == '\n') c = ' ';
  return result.innermost;
}
}  // namespace detail

namespace io {
std::recursive_mutex& h5_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

H5Lock::H5Lock() : guard_(h5_mutex()) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}
}  // namespace io
}  // namespace s2s
