#pragma once
// Owns: the mapping between s2s::DType and HDF5's native memory types (private to src/io).
#include <hdf5.h>

#include "s2s/core/dtype.h"
#include "s2s/core/h5_check.h"

namespace s2s::io::detail {

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

// A variable-length UTF-8 string type (caller closes it).
hid_t make_vlen_utf8_type();

}  // namespace s2s::io::detail
