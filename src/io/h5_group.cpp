// Owns: Group (links, child groups, dataset creation with chunking/compression) and File
// (create/open/flush/close with messages that name the path).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "h5_types.h"
#include "s2s/io/h5_file.h"

namespace s2s::io {

namespace {
constexpr std::int64_t kTargetChunkBytes = 256 * 1024;  // h5py's guidance: 10 KiB .. 1 MiB

std::vector<std::string> split_path(std::string_view name) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : name) {
    if (c == '/') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

H5I_type_t object_type(hid_t loc, const std::string& name) {
  H5Id obj(S2S_H5_CHECK(H5Oopen(loc, name.c_str(), H5P_DEFAULT)));
  return S2S_H5_CHECK(H5Iget_type(obj.get()));
}
}  // namespace

bool Group::contains(std::string_view name) const {
  H5Lock lock;
  std::string prefix = name.starts_with('/') ? "/" : "";
  for (const auto& part : split_path(name)) {
    prefix += part;
    if (S2S_H5_CHECK(H5Lexists(id(), prefix.c_str(), H5P_DEFAULT)) <= 0) return false;
    prefix += '/';
  }
  return true;
}

bool Group::contains_group(std::string_view name) const {
  H5Lock lock;
  return contains(name) && object_type(id(), std::string(name)) == H5I_GROUP;
}

bool Group::contains_dataset(std::string_view name) const {
  H5Lock lock;
  return contains(name) && object_type(id(), std::string(name)) == H5I_DATASET;
}

std::vector<std::string> Group::children() const {
  H5Lock lock;
  H5G_info_t info;
  S2S_H5_CHECK(H5Gget_info(id(), &info));
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t n = S2S_H5_CHECK(H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT));
    std::string s(static_cast<std::size_t>(n) + 1, '\0');
    S2S_H5_CHECK(H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), s.size(), H5P_DEFAULT));
    s.resize(static_cast<std::size_t>(n));
    names.push_back(std::move(s));
  }
  return names;
}

Group Group::open_group(std::string_view name) const {
  H5Lock lock;
  std::string key(name);
  if (!contains_group(key))
    S2S_FAIL(file_name(), ": no group '", key, "' in ", path(), " (expected it in this file's schema)");
  return Group(S2S_H5_CHECK(H5Gopen2(id(), key.c_str(), H5P_DEFAULT)));
}

Group Group::create_group(std::string_view name) {
  H5Lock lock;
  std::string key(name);
  H5Id lcpl(S2S_H5_CHECK(H5Pcreate(H5P_LINK_CREATE)));
  S2S_H5_CHECK(H5Pset_create_intermediate_group(lcpl.get(), 1));
  return Group(S2S_H5_CHECK(H5Gcreate2(id(), key.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT)));
}

Group Group::require_group(std::string_view name) {
  H5Lock lock;
  return contains_group(name) ? open_group(name) : create_group(name);
}

Dataset Group::open_dataset(std::string_view name) const {
  H5Lock lock;
  std::string key(name);
  if (!contains_dataset(key))
    S2S_FAIL(file_name(), ": no dataset '", key, "' in ", path(), " (expected it in this file's schema)");
  return Dataset(S2S_H5_CHECK(H5Dopen2(id(), key.c_str(), H5P_DEFAULT)));
}

Dataset Group::create_dataset(std::string_view name, DType dtype, const std::vector<std::int64_t>& shape,
                              const DatasetOptions& options) {
  H5Lock lock;
  std::string key(name);
  std::vector<hsize_t> dims(shape.begin(), shape.end()), maxdims = dims;
  std::int64_t row = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) row *= shape[i];
  bool chunk = !shape.empty() && row > 0 &&
               (options.extendable || options.deflate_level > 0 || options.chunk_rows > 0);
  if (chunk && !options.extendable && shape[0] == 0) chunk = false;  // nothing to chunk
  H5Id dcpl(S2S_H5_CHECK(H5Pcreate(H5P_DATASET_CREATE)));
  S2S_H5_CHECK(H5Pset_obj_track_times(dcpl.get(), 0));  // byte-reproducible files
  if (chunk) {
    if (options.extendable) maxdims[0] = H5S_UNLIMITED;
    std::int64_t rows = options.chunk_rows > 0
                            ? options.chunk_rows
                            : std::max<std::int64_t>(1, kTargetChunkBytes / (row * static_cast<std::int64_t>(dtype_size(dtype))));
    if (!options.extendable) rows = std::min(rows, shape[0]);
    std::vector<hsize_t> chunk_dims = dims;
    chunk_dims[0] = static_cast<hsize_t>(rows);
    S2S_H5_CHECK(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk_dims.size()), chunk_dims.data()));
    if (options.deflate_level > 0) {
      if (options.shuffle) S2S_H5_CHECK(H5Pset_shuffle(dcpl.get()));
      S2S_H5_CHECK(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(std::min(options.deflate_level, 9))));
    }
  }
  H5Id space(shape.empty() ? S2S_H5_CHECK(H5Screate(H5S_SCALAR))
                           : S2S_H5_CHECK(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxdims.data())));
  H5Id lcpl(S2S_H5_CHECK(H5Pcreate(H5P_LINK_CREATE)));
  S2S_H5_CHECK(H5Pset_create_intermediate_group(lcpl.get(), 1));
  hid_t file_type = detail::native_type(dtype);
  return Dataset(S2S_H5_CHECK(H5Dcreate2(id(), key.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT)));
}

Dataset Group::create_string_dataset(std::string_view name, const std::vector<std::string>& values) {
  H5Lock lock;
  std::string key(name);
  H5Id type(detail::make_vlen_utf8_type());
  hsize_t n = values.size();
  H5Id space(S2S_H5_CHECK(H5Screate_simple(1, &n, nullptr)));
  H5Id lcpl(S2S_H5_CHECK(H5Pcreate(H5P_LINK_CREATE)));
  S2S_H5_CHECK(H5Pset_create_intermediate_group(lcpl.get(), 1));
  H5Id dcpl(S2S_H5_CHECK(H5Pcreate(H5P_DATASET_CREATE)));
  S2S_H5_CHECK(H5Pset_obj_track_times(dcpl.get(), 0));
  Dataset ds(S2S_H5_CHECK(H5Dcreate2(id(), key.c_str(), type.get(), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT)));
  if (n > 0) {
    std::vector<const char*> ptrs;
    ptrs.reserve(values.size());
    for (const auto& v : values) ptrs.push_back(v.c_str());
    S2S_H5_CHECK(H5Dwrite(ds.id(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()));
  }
  return ds;
}

Dataset Group::write_bytes(std::string_view name, std::string_view bytes, int deflate_level) {
  H5Lock lock;
  std::string key(name);
  hsize_t n = bytes.size();
  H5Id space(S2S_H5_CHECK(H5Screate_simple(1, &n, nullptr)));
  H5Id lcpl(S2S_H5_CHECK(H5Pcreate(H5P_LINK_CREATE)));
  S2S_H5_CHECK(H5Pset_create_intermediate_group(lcpl.get(), 1));
  H5Id dcpl(S2S_H5_CHECK(H5Pcreate(H5P_DATASET_CREATE)));
  S2S_H5_CHECK(H5Pset_obj_track_times(dcpl.get(), 0));
  if (deflate_level > 0 && n > 0) {
    hsize_t chunk = std::min<hsize_t>(n, hsize_t{1} << 18);  // 256 KiB chunks
    S2S_H5_CHECK(H5Pset_chunk(dcpl.get(), 1, &chunk));
    S2S_H5_CHECK(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(deflate_level)));
  }
  Dataset ds(S2S_H5_CHECK(
      H5Dcreate2(id(), key.c_str(), H5T_STD_U8LE, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT)));
  if (n > 0) S2S_H5_CHECK(H5Dwrite(ds.id(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()));
  return ds;
}

template <class T>
Dataset Group::write_vector(std::string_view name, std::span<const T> values, const DatasetOptions& options) {
  Dataset ds = create_dataset(name, dtype_of_v<T>, {static_cast<std::int64_t>(values.size())}, options);
  ds.write<T>(values);
  return ds;
}
template Dataset Group::write_vector<float>(std::string_view, std::span<const float>, const DatasetOptions&);
template Dataset Group::write_vector<double>(std::string_view, std::span<const double>, const DatasetOptions&);
template Dataset Group::write_vector<std::int32_t>(std::string_view, std::span<const std::int32_t>, const DatasetOptions&);
template Dataset Group::write_vector<std::int64_t>(std::string_view, std::span<const std::int64_t>, const DatasetOptions&);

Dataset Group::write_tensor(std::string_view name, const Tensor& t, const DatasetOptions& options) {
  S2S_CHECK(t.defined(), "write_tensor '", name, "': tensor is undefined");
  Tensor host = t.device() == Device::CPU ? t : t.to(Device::CPU);
  H5Lock lock;
  Dataset ds = create_dataset(name, host.dtype(), host.shape(), options);
  H5Id mspace(S2S_H5_CHECK(H5Dget_space(ds.id())));
  if (host.numel() > 0)
    S2S_H5_CHECK(H5Dwrite(ds.id(), detail::native_type(host.dtype()), H5S_ALL, H5S_ALL, H5P_DEFAULT, host.raw()));
  return ds;
}

File File::create(const std::string& path, bool truncate) {
  H5Lock lock;
  struct stat st;
  if (!truncate && ::stat(path.c_str(), &st) == 0)
    S2S_FAIL(path, ": file exists (refusing to overwrite it)");
  H5Id fapl(S2S_H5_CHECK(detail::writer_access_plist()));
  hid_t id = H5Fcreate(path.c_str(), truncate ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl.get());
  if (id < 0) {
    std::string why = s2s::detail::h5_error_text();
    S2S_FAIL("cannot create HDF5 file ", path, ": ", why);
  }
  return File(id, path);
}

File File::open(const std::string& path, FileAccess access) {
  H5Lock lock;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    S2S_FAIL("cannot open ", path, ": ", std::strerror(errno), " (expected an existing HDF5 file)");
  htri_t is_h5 = H5Fis_hdf5(path.c_str());
  if (is_h5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    S2S_FAIL(path, " is not an HDF5 file");
  }
  unsigned flags = access == FileAccess::ReadOnly ? H5F_ACC_RDONLY : H5F_ACC_RDWR;
  H5Id fapl(S2S_H5_CHECK(access == FileAccess::ReadOnly ? H5Pcreate(H5P_FILE_ACCESS) : detail::writer_access_plist()));
  hid_t id = H5Fopen(path.c_str(), flags, fapl.get());
  if (id < 0) {
    std::string why = s2s::detail::h5_error_text();
    S2S_FAIL("cannot open HDF5 file ", path, ": ", why);
  }
  return File(id, path);
}

void File::flush() {
  H5Lock lock;
  S2S_CHECK(id_.valid(), "flush of a closed file ", filename_);
  const std::string why = detail::reserve_file_space(id());  // see close()
  S2S_CHECK(why.empty(), "writing HDF5 file ", filename_, " failed: ", why);
  S2S_H5_CHECK(H5Fflush(id(), H5F_SCOPE_GLOBAL));
}

void File::close() {
  H5Lock lock;
  if (!id_.valid()) return;
  // An abandoned file (h5_file.h) would now "close" fine, into memory: refuse to call it written.
  if (const auto why = detail::file_writes_abandoned(id())) {
    H5Fclose(id_.release());
    H5Eclear2(H5E_DEFAULT);
    S2S_FAIL("writing HDF5 file ", filename_, " failed", why->empty() ? "" : ": " + *why,
             " (its contents are incomplete and were discarded)");
  }
  // Reserving the space, then flushing now, is what makes the close below safe: a close whose
  // own flush fails leaves HDF5 with a half-closed file (h5_abandon.cpp). On failure: abandon,
  // close, then report.
  std::string why = detail::reserve_file_space(id());
  if (why.empty() && H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) why = s2s::detail::h5_error_text();
  if (!why.empty()) {
    detail::abandon_file_writes(id(), why);
    detail::file_writes_abandoned(id());  // reported here: forget the reason
    H5Fclose(id_.release());
    H5Eclear2(H5E_DEFAULT);
    S2S_FAIL("writing HDF5 file ", filename_, " failed: ", why);
  }
  // HDF5 keeps a file open while any of its objects is open ("weak" close), so a caller that
  // renames or fsyncs the file afterwards would see it incomplete: refuse instead.
  ssize_t open_objects = S2S_H5_CHECK(H5Fget_obj_count(
      id(), H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL));
  S2S_CHECK(open_objects == 0, filename_, ": closing while ", open_objects,
            " of its groups/datasets/attributes are still open (close them first)");
  S2S_H5_CHECK(H5Fclose(id_.release()));
}

}  // namespace s2s::io
