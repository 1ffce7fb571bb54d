#pragma once
// Owns: checksummed HDF5 datasets, the integrity scheme of every s2s checkpoint and model file
// (docs/checkpoint-format.md, "Integrity"): each dataset carries an attribute `crc32c` over its
// HDF5 path and one NUL byte, then its raw bytes (strings: their UTF-8 bytes; a string array: each
// string followed by one NUL byte; a byte array: its bytes), written with the data and verified
// on every read. The path
// is part of the sum so that a renamed dataset, two swapped datasets or a flipped bit in a group
// name fail like changed data; files written before that (checkpoint formats 1-2, model format
// 1) are read with ChecksumScheme::Data, their sums over the bytes alone.
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

// What a dataset's crc32c covers. Writers always use PathAndData; readers pick by format version.
enum class ChecksumScheme {
  Data,         // the raw bytes (checkpoint formats 1-2, model format 1)
  PathAndData,  // the dataset's HDF5 path ("/optimizer/x/Adam"), one NUL byte, then the raw bytes
};

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
// The manifest: a checksummed string dataset "/manifest" listing every other dataset's path
// (relative to the root, sorted), written last. Per-dataset sums cannot notice a dataset that is
// missing or one too many; a reader that checks the manifest can (ChecksummedReader::verify_manifest).
void write_manifest(io::File& f);

// Reads datasets of one file by absolute path, verifying each checksum.
class ChecksummedReader {
 public:
  explicit ChecksummedReader(const io::File& f, ChecksumScheme scheme = ChecksumScheme::PathAndData)
      : file_(f), scheme_(scheme) {}
  ChecksumScheme scheme() const { return scheme_; }

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
  // The file's datasets must be exactly those "/manifest" lists (write_manifest); an error names
  // the first missing and the first unlisted one.
  void verify_manifest();

 private:
  io::Dataset open(const std::string& path) const;
  static void check_scalar(const std::string& path, const Tensor& t, DType want);
  // The sum's starting value for `ds`: the crc32c of its path and a NUL under PathAndData, else 0.
  std::uint32_t seed(const io::Dataset& ds) const;
  const io::File& file_;
  ChecksumScheme scheme_;
};

}  // namespace s2s::checkpoint
