#pragma once
// Owns: checksummed HDF5 datasets, the integrity scheme of every s2s checkpoint and model file
// (docs/checkpoint-format.md, "Integrity"): each dataset carries an attribute `crc32c` over its
// raw bytes (strings: their UTF-8 bytes; a string array: each string followed by one NUL byte; a byte
// array: its bytes),
// written with the data and verified on every read.
// Does not own: any schema (checkpoint.h, model_payload.h say which datasets exist).
// Invariant: ChecksummedReader returns only data whose checksum matched; a mismatch, a missing
// dataset or a missing checksum is an s2s::Error naming the dataset.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "s2s/core/dtype.h"
#include "s2s/core/tensor.h"
#include "s2s/io/h5_file.h"

namespace s2s::checkpoint {

// Root attributes describing an s2s file: format, format_version, s2s_version, hdf5_version,
// created_unix_s (informational only: nothing a reader depends on is an attribute).
void write_file_description(io::File& f, const char* format, std::int64_t format_version);

// "a/b/c": non-empty components separated by single '/' (a TF name); throws naming `section`.
void check_dataset_name(const std::string& section, const std::string& name);

void put_tensor(io::Group& g, const std::string& name, const Tensor& t);  // any device; stored dtype and shape
void put_string(io::Group& g, const std::string& name, const std::string& value);
void put_strings(io::Group& g, const std::string& name, const std::vector<std::string>& values);  // 1-D [n]
void put_bytes(io::Group& g, const std::string& name, const std::string& bytes);  // uint8 [n], deflated
void put_u64_triple(io::Group& g, const std::string& name, const std::array<std::uint64_t, 3>& v);

// Reads datasets of one file by absolute path, verifying each checksum.
class ChecksummedReader {
 public:
  explicit ChecksummedReader(const io::File& f) : file_(f) {}

  bool contains(const std::string& path) const { return file_.contains_dataset(path); }
  Tensor tensor(const std::string& path);
  std::string string(const std::string& path);
  std::vector<std::string> strings(const std::string& path);
  std::string bytes(const std::string& path);  // written by put_bytes
  std::array<std::uint64_t, 3> u64_triple(const std::string& path);
  template <class T>
  T scalar(const std::string& path) {
    Tensor t = tensor(path);
    check_scalar(path, t, dtype_of_v<T>);
    return t.data<T>()[0];
  }
  // Every dataset below `group` (recursively), as paths relative to it; none when it is absent.
  std::vector<std::string> datasets_under(const std::string& group) const;

 private:
  io::Dataset open(const std::string& path) const;
  static void check_scalar(const std::string& path, const Tensor& t, DType want);
  const io::File& file_;
};

}  // namespace s2s::checkpoint
