// Owns: Dataset: shape/type queries, whole and hyperslab (rows along dim 0) reads and writes,
// appends to extendable datasets, Tensor and string-array reads.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "h5_types.h"
#include "s2s/io/h5_file.h"

namespace s2s::io {

namespace {
std::vector<hsize_t> dims_of(hid_t dataset) {
  H5Id space(S2S_H5_CHECK(H5Dget_space(dataset)));
  int rank = S2S_H5_CHECK(H5Sget_simple_extent_ndims(space.get()));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) S2S_H5_CHECK(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr));
  return dims;
}

std::int64_t product_from(const std::vector<hsize_t>& dims, std::size_t first) {
  std::int64_t n = 1;
  for (std::size_t i = first; i < dims.size(); ++i) n *= static_cast<std::int64_t>(dims[i]);
  return n;
}
// Rows [begin, begin + count) of a dataset with `dims`: selects them in `fspace` and returns the
// matching contiguous memory space (shared by read_raw and write_raw).
H5Id select_rows(hid_t fspace, const std::vector<hsize_t>& dims, std::int64_t begin, std::int64_t count) {
  hsize_t numel = static_cast<hsize_t>(count * product_from(dims, 1));
  if (!dims.empty()) {
    std::vector<hsize_t> start(dims.size(), 0), counts = dims;
    start[0] = static_cast<hsize_t>(begin);
    counts[0] = static_cast<hsize_t>(count);
    S2S_H5_CHECK(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, counts.data(), nullptr));
  }
  return H5Id(S2S_H5_CHECK(H5Screate_simple(1, &numel, nullptr)));
}

// Deflate's ratio cannot exceed 1032:1 (RFC 1951: a 258-byte match costs at least 2 bits); the
// margin keeps headers and the shuffle filter out of the argument.
constexpr double kMaxCompressionRatio = 1100.0;

}  // namespace

void Dataset::require_stored() const {
  H5Lock lock;
  const auto dims = dims_of(id());
  double numel = 1;  // in double: a crafted shape's product may not fit 64 bits
  for (hsize_t d : dims) numel *= double(d);
  if (numel == 0) return;
  H5Id type(S2S_H5_CHECK(H5Dget_type(id())));
  const double declared_bytes = numel * double(detail::type_size(type.get()));
  H5Id plist(S2S_H5_CHECK(H5Dget_create_plist(id())));
  const H5D_layout_t layout = S2S_H5_CHECK(H5Pget_layout(plist.get()));
  if (layout == H5D_COMPACT) return;  // stored inside the object header (at most 64 KiB)
  const bool filtered = S2S_H5_CHECK(H5Pget_nfilters(plist.get())) > 0;
  if (layout == H5D_CHUNKED) {
    std::vector<hsize_t> chunk(dims.size());
    S2S_H5_CHECK(H5Pget_chunk(plist.get(), static_cast<int>(chunk.size()), chunk.data()));
    double expected = 1;
    for (std::size_t i = 0; i < dims.size(); ++i) expected *= std::ceil(double(dims[i]) / double(chunk[i]));
    H5Id space(S2S_H5_CHECK(H5Dget_space(id())));
    hsize_t stored = 0;
    S2S_H5_CHECK(H5Dget_num_chunks(id(), space.get(), &stored));
    S2S_CHECK(double(stored) >= expected, file_name(), ": ", path(), " declares shape ",
              shape_str(Shape(dims.begin(), dims.end())), " but the file holds only ", stored, " of its ",
              expected, " chunks (the file is damaged or crafted)");
  }
  const double stored_bytes = double(H5Dget_storage_size(id()));
  S2S_CHECK(stored_bytes * (filtered ? kMaxCompressionRatio : 1.0) >= declared_bytes, file_name(), ": ", path(),
            " declares shape ", shape_str(Shape(dims.begin(), dims.end())), " (", declared_bytes,
            " bytes) but the file stores only ", stored_bytes, " bytes for it (the file is damaged or crafted)");
}

std::vector<std::int64_t> Dataset::shape() const {
  H5Lock lock;
  auto dims = dims_of(id());
  return {dims.begin(), dims.end()};
}

std::int64_t Dataset::rows() const {
  H5Lock lock;
  auto dims = dims_of(id());
  return dims.empty() ? 1 : static_cast<std::int64_t>(dims[0]);
}

std::int64_t Dataset::row_size() const {
  H5Lock lock;
  return product_from(dims_of(id()), 1);
}

DType Dataset::dtype() const {
  H5Lock lock;
  H5Id type(S2S_H5_CHECK(H5Dget_type(id())));
  return detail::dtype_of_file_type(type.get(), (file_name() + ": " + path()).c_str());
}

bool Dataset::is_string() const {
  H5Lock lock;
  H5Id type(S2S_H5_CHECK(H5Dget_type(id())));
  return S2S_H5_CHECK(H5Tget_class(type.get())) == H5T_STRING;
}

bool Dataset::chunked() const {
  H5Lock lock;
  H5Id plist(S2S_H5_CHECK(H5Dget_create_plist(id())));
  return S2S_H5_CHECK(H5Pget_layout(plist.get())) == H5D_CHUNKED;
}

int Dataset::deflate_level() const {
  H5Lock lock;
  H5Id plist(S2S_H5_CHECK(H5Dget_create_plist(id())));
  int n = S2S_H5_CHECK(H5Pget_nfilters(plist.get()));
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, values[4] = {0, 0, 0, 0};
    std::size_t nvalues = 4;
    H5Z_filter_t f = S2S_H5_CHECK(
        H5Pget_filter2(plist.get(), static_cast<unsigned>(i), &flags, &nvalues, values, 0, nullptr, nullptr));
    if (f == H5Z_FILTER_DEFLATE) return nvalues > 0 ? static_cast<int>(values[0]) : 1;
  }
  return 0;
}

void Dataset::check_rows(std::int64_t begin, std::int64_t count) const {
  const std::int64_t total_rows = rows();
  S2S_CHECK(begin >= 0 && count >= 0 && begin <= total_rows && count <= total_rows - begin, file_name(), ": ",
            path(), ": rows [", begin, ", ", begin + count, ") are outside the dataset's ", total_rows, " rows");
}

void Dataset::read_raw(DType mem, std::int64_t begin, std::int64_t count, void* out) const {
  H5Lock lock;
  auto dims = dims_of(id());
  H5Id fspace(S2S_H5_CHECK(H5Dget_space(id())));
  check_rows(begin, count);
  if (count == 0) return;
  H5Id mspace = select_rows(fspace.get(), dims, begin, count);
  S2S_H5_CHECK(H5Dread(id(), detail::native_type(mem), mspace.get(), fspace.get(), H5P_DEFAULT, out));
}

void Dataset::write_raw(DType mem, std::int64_t begin, std::int64_t count, const void* data) {
  H5Lock lock;
  auto dims = dims_of(id());
  std::int64_t total_rows = dims.empty() ? 1 : static_cast<std::int64_t>(dims[0]);
  S2S_CHECK(begin >= 0 && count >= 0 && begin + count <= total_rows, file_name(), ": ", path(),
            ": cannot write rows [", begin, ", ", begin + count, ") of a dataset with ", total_rows, " rows");
  if (count == 0) return;
  H5Id fspace(S2S_H5_CHECK(H5Dget_space(id())));
  H5Id mspace = select_rows(fspace.get(), dims, begin, count);
  S2S_H5_CHECK(H5Dwrite(id(), detail::native_type(mem), mspace.get(), fspace.get(), H5P_DEFAULT, data));
}

void Dataset::append_raw(DType mem, std::int64_t numel, const void* data) {
  H5Lock lock;
  auto dims = dims_of(id());
  S2S_CHECK(!dims.empty(), file_name(), ": ", path(), ": cannot append to a scalar dataset");
  std::int64_t row = product_from(dims, 1);
  S2S_CHECK(row > 0 && numel % row == 0, file_name(), ": ", path(), ": appending ", numel,
            " values, which is not a whole number of rows of ", row);
  std::int64_t begin = static_cast<std::int64_t>(dims[0]);
  std::int64_t count = numel / row;
  if (count == 0) return;
  dims[0] += static_cast<hsize_t>(count);
  S2S_H5_CHECK(H5Dset_extent(id(), dims.data()));
  write_raw(mem, begin, count, data);
}

template <class T>
std::vector<T> Dataset::read() const {
  H5Lock lock;
  auto dims = dims_of(id());
  std::int64_t rows = dims.empty() ? 1 : static_cast<std::int64_t>(dims[0]);
  require_stored();
  std::vector<T> out(static_cast<std::size_t>(rows * product_from(dims, 1)));
  read_raw(dtype_of_v<T>, 0, rows, out.data());
  return out;
}

template <class T>
std::vector<T> Dataset::read_rows(std::int64_t begin, std::int64_t count) const {
  check_rows(begin, count);  // before allocating: a bad count must not reach the allocator
  std::vector<T> out(static_cast<std::size_t>(count * row_size()));
  read_raw(dtype_of_v<T>, begin, count, out.data());
  return out;
}

template <class T>
void Dataset::read_rows_into(std::int64_t begin, std::int64_t count, T* out) const {
  read_raw(dtype_of_v<T>, begin, count, out);
}

template <class T>
void Dataset::write(std::span<const T> values) {
  H5Lock lock;
  auto dims = dims_of(id());
  std::int64_t rows = dims.empty() ? 1 : static_cast<std::int64_t>(dims[0]);
  S2S_CHECK(static_cast<std::int64_t>(values.size()) == rows * product_from(dims, 1), file_name(), ": ",
            path(), ": writing ", values.size(), " values into a dataset of ",
            rows * product_from(dims, 1));
  write_raw(dtype_of_v<T>, 0, rows, values.data());
}

template <class T>
void Dataset::write_rows(std::int64_t begin, std::span<const T> values) {
  std::int64_t row = row_size();
  S2S_CHECK(row > 0 && static_cast<std::int64_t>(values.size()) % row == 0, "write_rows: ",
            values.size(), " values are not whole rows of ", row);
  write_raw(dtype_of_v<T>, begin, static_cast<std::int64_t>(values.size()) / row, values.data());
}

template <class T>
void Dataset::append(std::span<const T> values) {
  append_raw(dtype_of_v<T>, static_cast<std::int64_t>(values.size()), values.data());
}

Tensor Dataset::read_tensor() const {
  H5Lock lock;
  auto dims = dims_of(id());
  std::int64_t rows = dims.empty() ? 1 : static_cast<std::int64_t>(dims[0]);
  require_stored();
  Tensor t = Tensor::empty(Shape(dims.begin(), dims.end()), dtype());
  read_raw(t.dtype(), 0, rows, t.raw());
  return t;
}

Tensor Dataset::read_tensor_rows(std::int64_t begin, std::int64_t count) const {
  H5Lock lock;
  auto dims = dims_of(id());
  S2S_CHECK(!dims.empty(), file_name(), ": ", path(), ": a scalar has no rows");
  check_rows(begin, count);
  Shape shape(dims.begin(), dims.end());
  shape[0] = count;
  Tensor t = Tensor::empty(shape, dtype());
  read_raw(t.dtype(), begin, count, t.raw());
  return t;
}

std::vector<std::string> Dataset::read_strings() const {
  H5Lock lock;
  H5Id type(S2S_H5_CHECK(H5Dget_type(id())));
  S2S_CHECK(S2S_H5_CHECK(H5Tget_class(type.get())) == H5T_STRING, file_name(), ": ", path(),
            " does not hold strings (expected a string dataset)");
  auto dims = dims_of(id());
  S2S_CHECK(dims.size() <= 1, file_name(), ": ", path(), " is not a 1-D string dataset");
  std::size_t n = dims.empty() ? 1 : dims[0];
  require_stored();
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  if (S2S_H5_CHECK(H5Tis_variable_str(type.get())) > 0) {
    H5Id mem(detail::make_vlen_utf8_type());
    std::vector<char*> ptrs(n, nullptr);
    S2S_H5_CHECK(H5Dread(id(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()));
    for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
    H5Id space(S2S_H5_CHECK(H5Dget_space(id())));
    S2S_H5_CHECK(H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data()));
    return out;
  }
  std::size_t size = detail::type_size(type.get());
  std::vector<char> buf(n * size);
  H5Id mem(S2S_H5_CHECK(H5Tcopy(H5T_C_S1)));
  S2S_H5_CHECK(H5Tset_size(mem.get(), size));
  S2S_H5_CHECK(H5Tset_strpad(mem.get(), H5T_STR_NULLPAD));
  S2S_H5_CHECK(H5Dread(id(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()));
  for (std::size_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * size, size);
    out.push_back(s.substr(0, s.find('\0')));
  }
  return out;
}

std::string Dataset::read_bytes() const {
  H5Lock lock;
  H5Id type(S2S_H5_CHECK(H5Dget_type(id())));
  const auto dims = dims_of(id());
  S2S_CHECK(S2S_H5_CHECK(H5Tget_class(type.get())) == H5T_INTEGER && detail::type_size(type.get()) == 1 &&
                dims.size() == 1,
            file_name(), ": ", path(), " is not a 1-D array of bytes (expected uint8 [n])");
  require_stored();
  std::string out(static_cast<std::size_t>(dims[0]), '\0');
  if (!out.empty()) S2S_H5_CHECK(H5Dread(id(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()));
  return out;
}

#define S2S_IO_INSTANTIATE(T)                                                           \
  template std::vector<T> Dataset::read<T>() const;                                     \
  template std::vector<T> Dataset::read_rows<T>(std::int64_t, std::int64_t) const;      \
  template void Dataset::read_rows_into<T>(std::int64_t, std::int64_t, T*) const;       \
  template void Dataset::write<T>(std::span<const T>);                                  \
  template void Dataset::write_rows<T>(std::int64_t, std::span<const T>);               \
  template void Dataset::append<T>(std::span<const T>);
S2S_IO_INSTANTIATE(float)
S2S_IO_INSTANTIATE(double)
S2S_IO_INSTANTIATE(std::int32_t)
S2S_IO_INSTANTIATE(std::int64_t)
#undef S2S_IO_INSTANTIATE

}  // namespace s2s::io
