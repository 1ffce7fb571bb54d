#pragma once
// Owns: the mapping between s2s::DType and HDF5's native memory types (private to src/io).
#include <hdf5.h>

#include <optional>
#include <string>

#include "s2s/core/dtype.h"
#include "s2s/core/h5_check.h"

namespace s2s::io::detail {

using s2s::detail::external_call_failed;
using s2s::detail::h5_error_text;

inline hid_t native_type(DType t) {
  switch (t) {
    case DType::F32: return H5T_NATIVE_FLOAT;
    case DType::F64: return H5T_NATIVE_DOUBLE;
    case DType::I32: return H5T_NATIVE_INT32;
    case DType::I64: return H5T_NATIVE_INT64;
  }
  return H5I_INVALID_HID;
}

// The DType a stored numeric type reads into without loss (integers up to 4 bytes -> int32,
// larger -> int64; half/single -> float32, double -> float64). Throws for other classes.
DType dtype_of_file_type(hid_t type, const char* what);

// H5Tget_size, checked (it reports failure as 0, which S2S_H5_CHECK cannot see).
inline std::size_t type_size(hid_t type) {
  std::size_t n = H5Tget_size(type);
  if (n == 0) external_call_failed("HDF5", "H5Tget_size(type)", h5_error_text(), __FILE__, __LINE__);
  return n;
}

// A variable-length UTF-8 string type (caller closes it).
hid_t make_vlen_utf8_type();

// h5_abandon.cpp (the failed-write rule of s2s/io/h5_file.h), called with the HDF5 lock held.
// Before `id` (of `type`) is closed: if it belongs to a file open for writing, abandon that file
// when `unwinding`, else flush the object and abandon the file if the flush fails.
void prepare_close(hid_t id, H5I_type_t type, bool unwinding) noexcept;
// Points the file's descriptor at an anonymous in-memory file (once, remembering `why`); false
// if impossible.
bool abandon_file_writes(hid_t object, const std::string& why) noexcept;
// Reserves disk space for every address allocated in the file of `object` ("" or the reason it
// failed); called before each flush of a file being written.
std::string reserve_file_space(hid_t object);
// A file-access property list for files opened for writing (caller closes it): metadata cache
// evictions off, so metadata reaches the disk only in flushes preceded by reserve_file_space().
hid_t writer_access_plist();
// nullopt unless the file of `object` was abandoned; then why (reported once, then forgotten).
std::optional<std::string> file_writes_abandoned(hid_t object) noexcept;

}  // namespace s2s::io::detail
