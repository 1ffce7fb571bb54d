#pragma once
// S2S_H5_CHECK(call): HDF5 calls return a negative value (or H5I_INVALID_HID) on failure; the
// check evaluates the call once, returns its value, and throws with HDF5's innermost message.
// (Not named H5CHECK: HDF5 defines that macro itself.)
#include <hdf5.h>

#include <string>

#include "s2s/core/error.h"

namespace s2s::detail {
std::string h5_error_text();  // innermost message of HDF5's error stack (empty if none)
template <class T>
T h5_checked(T value, const char* call, const char* file, int line) {
  if (value < 0) external_call_failed("HDF5", call, h5_error_text(), file, line);
  return value;
}
}  // namespace s2s::detail

#define S2S_H5_CHECK(call) ::s2s::detail::h5_checked((call), #call, __FILE__, __LINE__)
