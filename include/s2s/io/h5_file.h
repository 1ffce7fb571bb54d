#pragma once
// Owns: the RAII HDF5 wrappers the whole project uses (files, groups, datasets, attributes),
// typed reads/writes of std::vector and Tensor, hyperslab reads/writes along dim 0, appends to
// extendable chunked+compressed datasets, and string attributes/datasets as variable-length UTF-8.
// Does not own: any schema (datasets: s2s/data/dataset_file.h; checkpoints: train/), atomic
// replacement of a file (s2s/io/atomic_file.h).
//
// Thread safety: Debian's parallel HDF5 is built without --enable-threadsafe, so every wrapper
// call takes one process-wide recursive lock (h5_mutex()). Code that must call the C API directly
// takes the same lock with H5Lock. Every C call is checked with S2S_H5_CHECK; HDF5's own
// automatic error printing is switched off, the message goes into the s2s::Error instead.
//
// Failed writes (a full disk, a quota): HDF5 cannot close a file whose final flush fails; it
// leaves a half-destroyed file behind that crashes the process at exit (HDF5's atexit handler,
// or MPI_Finalize with parallel HDF5), and after a failed *metadata* write not even a retry with
// space freed succeeds. So for files opened for writing: metadata reaches the disk only in
// flushes we start (cache evictions off), each preceded by reserving disk blocks for everything
// allocated so far (fallocate), so metadata writes cannot run out of space; and such a file is
// *abandoned* instead of closed when (a) one of its objects is released by an exception
// unwinding the stack (the output is incomplete anyway: s2s writes files through
// io::AtomicFile, which deletes the temporary), or (b) the reservation or the flush before an
// object's close fails. Abandoning points HDF5's file descriptor at an anonymous in-memory file,
// so the remaining writes succeed and every identifier closes cleanly; File::close() of an
// abandoned file throws with the cause, so the incomplete file is never committed. Details and
// the HDF5 1.10 behaviour behind them: src/io/h5_abandon.cpp.
#include <hdf5.h>

#include <cstdint>
#include <exception>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/core/dtype.h"
#include "s2s/core/h5_check.h"
#include "s2s/core/tensor.h"

namespace s2s::io {

std::recursive_mutex& h5_mutex();
// Holds the process-wide HDF5 lock (and makes sure HDF5's error auto-printing is off).
class H5Lock {
 public:
  H5Lock();
 private:
  std::lock_guard<std::recursive_mutex> guard_;
};

// Owns one HDF5 identifier and closes it with the matching H5?close (chosen by H5Iget_type).
// Released by an unwinding exception, an object of a file open for writing abandons that file
// (see above).
class H5Id {
 public:
  H5Id() = default;
  explicit H5Id(hid_t id) : id_(id), exceptions_at_open_(std::uncaught_exceptions()) {}
  ~H5Id() { reset(); }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& o) noexcept : id_(o.id_), exceptions_at_open_(o.exceptions_at_open_) { o.id_ = H5I_INVALID_HID; }
  H5Id& operator=(H5Id&& o) noexcept;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();
  hid_t release() {  // gives up ownership without closing
    hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  int exceptions_at_open_ = 0;  // std::uncaught_exceptions() when acquired: more at release = unwinding
};

// How a new dataset is laid out. Chunking is required for compression and for extendable
// datasets; `chunk_rows` is the chunk length along dim 0 (other dims are whole in each chunk).
struct DatasetOptions {
  int deflate_level = 0;           // 0: no compression; 1..9: gzip (deflate) level
  bool shuffle = true;             // byte-shuffle filter before deflate (helps small integers)
  bool extendable = false;         // dim 0 unlimited, grown by Dataset::append
  std::int64_t chunk_rows = 0;     // 0: automatic (about 256 KiB per chunk) when chunked
  static DatasetOptions compressed(int level = 4) { return {level, true, false, 0}; }
  static DatasetOptions appendable(int level = 4) { return {level, true, true, 0}; }
};

// Something that carries attributes: a file's root group, a group or a dataset.
class Node {
 public:
  hid_t id() const { return id_.get(); }
  std::string path() const;  // HDF5 path inside the file, e.g. "/train/bucket_0"
  std::string file_name() const;

  bool has_attribute(std::string_view name) const;
  std::vector<std::string> attribute_names() const;
  void set_attribute(std::string_view name, std::string_view value);  // variable-length UTF-8
  void set_attribute(std::string_view name, const char* value) { set_attribute(name, std::string_view(value)); }
  void set_attribute(std::string_view name, std::int64_t value);
  void set_attribute(std::string_view name, int value) { set_attribute(name, std::int64_t{value}); }
  void set_attribute(std::string_view name, double value);
  // An integer array attribute of the given shape (default: 1-D of values.size()).
  void set_attribute(std::string_view name, const std::vector<std::int64_t>& values,
                     const std::vector<std::int64_t>& shape = {});
  void set_attribute(std::string_view name, const std::vector<double>& values);

  // Readers convert numerically (any integer/float type on disk); strings may be fixed or
  // variable length. A missing attribute or a wrong class throws, naming file, object and name.
  std::string attribute_string(std::string_view name) const;
  std::int64_t attribute_int(std::string_view name) const;
  double attribute_double(std::string_view name) const;
  std::vector<std::int64_t> attribute_ints(std::string_view name) const;
  std::vector<double> attribute_doubles(std::string_view name) const;
  std::vector<std::int64_t> attribute_shape(std::string_view name) const;

 protected:
  Node() = default;
  explicit Node(hid_t id) : id_(id) {}
  H5Id id_;
};

class Dataset : public Node {
 public:
  Dataset() = default;
  explicit Dataset(hid_t id) : Node(id) {}

  std::vector<std::int64_t> shape() const;
  std::int64_t rows() const;              // dim 0 (1 for a scalar)
  std::int64_t row_size() const;          // product of dims 1.. (elements per row)
  DType dtype() const;                    // of the stored numbers; throws for strings
  bool is_string() const;
  bool chunked() const;
  int deflate_level() const;              // 0 when not compressed

  // Whole-dataset and hyperslab (rows [begin, begin + count) along dim 0) access. T is one of
  // float, double, int32, int64; HDF5 converts from the stored numeric type on read.
  template <class T> std::vector<T> read() const;
  template <class T> std::vector<T> read_rows(std::int64_t begin, std::int64_t count) const;
  template <class T> void read_rows_into(std::int64_t begin, std::int64_t count, T* out) const;
  template <class T> void write(std::span<const T> values);  // size must equal numel
  template <class T> void write_rows(std::int64_t begin, std::span<const T> values);
  // Grows dim 0 of an extendable dataset by values.size() / row_size() rows and writes them.
  template <class T> void append(std::span<const T> values);

  // Throws (naming file and dataset) unless the file stores enough bytes for the declared shape:
  // every chunk allocated, and no more than deflate's best ratio (~1032:1) between declared and
  // stored bytes. A crafted file can declare 2^31 rows in a few kB (unallocated chunks read as
  // fill values); the whole-dataset reads below call this before allocating.
  void require_stored() const;

  Tensor read_tensor() const;                                       // stored dtype and shape
  Tensor read_tensor_rows(std::int64_t begin, std::int64_t count) const;
  std::vector<std::string> read_strings() const;                    // 1-D string dataset
  std::string read_bytes() const;                                   // 1-D uint8 dataset (write_bytes)

 private:
  void check_rows(std::int64_t begin, std::int64_t count) const;  // throws unless inside dim 0
  void read_raw(DType mem, std::int64_t begin, std::int64_t count, void* out) const;
  void write_raw(DType mem, std::int64_t begin, std::int64_t count, const void* data);
  void append_raw(DType mem, std::int64_t numel, const void* data);
};

class Group : public Node {
 public:
  Group() = default;
  explicit Group(hid_t id) : Node(id) {}

  bool contains(std::string_view name) const;         // a link named so exists (nested "a/b" ok)
  bool contains_group(std::string_view name) const;
  bool contains_dataset(std::string_view name) const;
  std::vector<std::string> children() const;          // link names, in name order

  Group open_group(std::string_view name) const;
  Group create_group(std::string_view name);           // intermediate groups are created too
  Group require_group(std::string_view name);          // open, or create when missing

  Dataset open_dataset(std::string_view name) const;
  Dataset create_dataset(std::string_view name, DType dtype, const std::vector<std::int64_t>& shape,
                         const DatasetOptions& options = {});
  Dataset create_string_dataset(std::string_view name, const std::vector<std::string>& values);
  // Opaque bytes (e.g. a serialized SentencePiece model, which may hold NULs and so cannot be a
  // string) as a 1-D uint8 array, compressed with `deflate_level` when > 0.
  Dataset write_bytes(std::string_view name, std::string_view bytes, int deflate_level = 0);
  std::string read_bytes(std::string_view name) const { return open_dataset(name).read_bytes(); }

  template <class T>
  Dataset write_vector(std::string_view name, std::span<const T> values,
                       const DatasetOptions& options = {});
  template <class T>
  Dataset write_vector(std::string_view name, const std::vector<T>& values,
                       const DatasetOptions& options = {}) {
    return write_vector<T>(name, std::span<const T>(values), options);
  }
  template <class T> std::vector<T> read_vector(std::string_view name) const {
    return open_dataset(name).read<T>();
  }
  Dataset write_tensor(std::string_view name, const Tensor& t, const DatasetOptions& options = {});
  Tensor read_tensor(std::string_view name) const { return open_dataset(name).read_tensor(); }
  std::vector<std::string> read_strings(std::string_view name) const {
    return open_dataset(name).read_strings();
  }
};

enum class FileAccess { ReadOnly, ReadWrite };

class File : public Group {
 public:
  File() = default;
  // Creates a new file; refuses an existing one unless `truncate`.
  static File create(const std::string& path, bool truncate = false);
  // Opens an existing file; a missing or non-HDF5 file throws naming the path.
  static File open(const std::string& path, FileAccess access = FileAccess::ReadOnly);

  const std::string& filename() const { return filename_; }
  void flush();
  // Closes now (also done by the destructor); throws if HDF5 reports an error, or if the file was
  // abandoned after a failed write (its contents are then incomplete).
  void close();

 private:
  explicit File(hid_t id, std::string filename) : Group(id), filename_(std::move(filename)) {}
  std::string filename_;
};

}  // namespace s2s::io
