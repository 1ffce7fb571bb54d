// Owns: H5Id (closing identifiers), the DType <-> HDF5 type helpers, and attributes on any node
// (string attributes are written as scalar variable-length UTF-8, which h5py reads as str).
#include <cstdlib>
#include <string>

#include "h5_types.h"
#include "s2s/io/h5_file.h"

namespace s2s::io {

H5Id& H5Id::operator=(H5Id&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    exceptions_at_open_ = o.exceptions_at_open_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void H5Id::reset() {
  if (id_ < 0) return;
  H5Lock lock;
  const H5I_type_t type = H5Iget_type(id_);
  // Never let a close meet a failing write: flush first, abandon the file when that fails or when
  // an exception is unwinding (h5_file.h), so the close below cannot leave a half-closed file.
  detail::prepare_close(id_, type, std::uncaught_exceptions() > exceptions_at_open_);
  // Destructors must not throw: a failing close is ignored here (File::close() checks its own).
  switch (type) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: H5Idec_ref(id_); break;
  }
  H5Eclear2(H5E_DEFAULT);
  id_ = H5I_INVALID_HID;
}

namespace detail {
DType dtype_of_file_type(hid_t type, const char* what) {
  H5T_class_t cls = S2S_H5_CHECK(H5Tget_class(type));
  std::size_t size = type_size(type);
  if (cls == H5T_INTEGER) return size <= 4 ? DType::I32 : DType::I64;
  if (cls == H5T_FLOAT) return size <= 4 ? DType::F32 : DType::F64;
  S2S_FAIL(what, ": stored type is not an integer or float (HDF5 class ", static_cast<int>(cls),
           ", ", size, " bytes)");
}

hid_t make_vlen_utf8_type() {
  hid_t t = S2S_H5_CHECK(H5Tcopy(H5T_C_S1));
  S2S_H5_CHECK(H5Tset_size(t, H5T_VARIABLE));
  S2S_H5_CHECK(H5Tset_cset(t, H5T_CSET_UTF8));
  return t;
}
}  // namespace detail

namespace {
std::string name_of(hid_t id) {
  ssize_t n = H5Iget_name(id, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Iget_name(id, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}

std::string file_of(hid_t id) {
  ssize_t n = H5Fget_name(id, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Fget_name(id, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}

// Removes an existing attribute so set_attribute() overwrites (possibly with another type/shape).
void drop_attribute(hid_t id, const std::string& name) {
  if (S2S_H5_CHECK(H5Aexists(id, name.c_str())) > 0) S2S_H5_CHECK(H5Adelete(id, name.c_str()));
}

void write_numeric_attribute(hid_t id, const std::string& name, hid_t file_type, hid_t mem_type,
                             const std::vector<hsize_t>& dims, const void* data) {
  drop_attribute(id, name);
  H5Id space(dims.empty() ? S2S_H5_CHECK(H5Screate(H5S_SCALAR))
                          : S2S_H5_CHECK(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr)));
  H5Id attr(S2S_H5_CHECK(H5Acreate2(id, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT)));
  S2S_H5_CHECK(H5Awrite(attr.get(), mem_type, data));
}
}  // namespace

std::string Node::path() const {
  H5Lock lock;
  return name_of(id());
}

std::string Node::file_name() const {
  H5Lock lock;
  return file_of(id());
}

bool Node::has_attribute(std::string_view name) const {
  H5Lock lock;
  return S2S_H5_CHECK(H5Aexists(id(), std::string(name).c_str())) > 0;
}

std::vector<std::string> Node::attribute_names() const {
  H5Lock lock;
  std::vector<std::string> names;
  hsize_t idx = 0;
  auto collect = [](hid_t, const char* attr_name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(attr_name);
    return 0;
  };
  S2S_H5_CHECK(H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect, &names));
  return names;
}

void Node::set_attribute(std::string_view name, std::string_view value) {
  H5Lock lock;
  std::string key(name), text(value);
  drop_attribute(id(), key);
  H5Id type(detail::make_vlen_utf8_type());
  H5Id space(S2S_H5_CHECK(H5Screate(H5S_SCALAR)));
  H5Id attr(S2S_H5_CHECK(H5Acreate2(id(), key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT)));
  const char* p = text.c_str();
  S2S_H5_CHECK(H5Awrite(attr.get(), type.get(), &p));
}

void Node::set_attribute(std::string_view name, std::int64_t value) {
  H5Lock lock;
  write_numeric_attribute(id(), std::string(name), H5T_STD_I64LE, H5T_NATIVE_INT64, {}, &value);
}

void Node::set_attribute(std::string_view name, double value) {
  H5Lock lock;
  write_numeric_attribute(id(), std::string(name), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &value);
}

void Node::set_attribute(std::string_view name, const std::vector<std::int64_t>& values,
                         const std::vector<std::int64_t>& shape) {
  std::vector<hsize_t> dims;
  if (shape.empty()) dims.push_back(values.size());
  for (auto d : shape) dims.push_back(static_cast<hsize_t>(d));
  S2S_CHECK(shape.empty() || shape_numel(shape) == static_cast<std::int64_t>(values.size()),
            "attribute '", name, "': shape ", shape_str(shape), " does not hold ", values.size(), " values");
  H5Lock lock;
  write_numeric_attribute(id(), std::string(name), H5T_STD_I64LE, H5T_NATIVE_INT64, dims, values.data());
}

void Node::set_attribute(std::string_view name, const std::vector<double>& values) {
  H5Lock lock;
  write_numeric_attribute(id(), std::string(name), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {values.size()},
                          values.data());
}

namespace {
// Opens attribute `name` of `id`, throwing a message that names the file and object if missing.
H5Id open_attribute(hid_t id, std::string_view name) {
  std::string key(name);
  if (S2S_H5_CHECK(H5Aexists(id, key.c_str())) <= 0)
    S2S_FAIL(file_of(id), ": ", name_of(id), " has no attribute '", key, "'");
  return H5Id(S2S_H5_CHECK(H5Aopen(id, key.c_str(), H5P_DEFAULT)));
}

hssize_t attribute_numel(hid_t attr) {
  H5Id space(S2S_H5_CHECK(H5Aget_space(attr)));
  return S2S_H5_CHECK(H5Sget_simple_extent_npoints(space.get()));
}

template <class T>
std::vector<T> read_numeric_attribute(hid_t id, std::string_view name, hid_t mem_type) {
  H5Lock lock;
  H5Id attr = open_attribute(id, name);
  H5Id type(S2S_H5_CHECK(H5Aget_type(attr.get())));
  H5T_class_t cls = S2S_H5_CHECK(H5Tget_class(type.get()));
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    S2S_FAIL(file_of(id), ": attribute '", name, "' of ", name_of(id), " is not numeric (expected a number)");
  std::vector<T> out(static_cast<std::size_t>(attribute_numel(attr.get())));
  if (!out.empty()) S2S_H5_CHECK(H5Aread(attr.get(), mem_type, out.data()));
  return out;
}
}  // namespace

std::string Node::attribute_string(std::string_view name) const {
  H5Lock lock;
  H5Id attr = open_attribute(id(), name);
  H5Id type(S2S_H5_CHECK(H5Aget_type(attr.get())));
  if (S2S_H5_CHECK(H5Tget_class(type.get())) != H5T_STRING)
    S2S_FAIL(file_of(id()), ": attribute '", name, "' of ", name_of(id()), " is not a string");
  S2S_CHECK(attribute_numel(attr.get()) == 1, file_of(id()), ": attribute '", name,
            "' holds several strings (expected one)");
  if (S2S_H5_CHECK(H5Tis_variable_str(type.get())) > 0) {
    H5Id mem(detail::make_vlen_utf8_type());
    char* p = nullptr;
    S2S_H5_CHECK(H5Aread(attr.get(), mem.get(), &p));
    std::string s = p != nullptr ? p : "";
    if (p != nullptr) H5free_memory(p);
    return s;
  }
  std::size_t size = detail::type_size(type.get());
  std::string s(size, '\0');
  H5Id mem(S2S_H5_CHECK(H5Tcopy(H5T_C_S1)));
  S2S_H5_CHECK(H5Tset_size(mem.get(), size));
  S2S_H5_CHECK(H5Tset_strpad(mem.get(), H5T_STR_NULLPAD));
  S2S_H5_CHECK(H5Aread(attr.get(), mem.get(), s.data()));
  s.resize(s.find('\0') == std::string::npos ? s.size() : s.find('\0'));
  return s;
}

std::int64_t Node::attribute_int(std::string_view name) const {
  auto v = read_numeric_attribute<std::int64_t>(id(), name, H5T_NATIVE_INT64);
  S2S_CHECK(v.size() == 1, file_name(), ": attribute '", name, "' of ", path(), " holds ", v.size(),
            " values (expected one)");
  return v[0];
}

double Node::attribute_double(std::string_view name) const {
  auto v = read_numeric_attribute<double>(id(), name, H5T_NATIVE_DOUBLE);
  S2S_CHECK(v.size() == 1, file_name(), ": attribute '", name, "' of ", path(), " holds ", v.size(),
            " values (expected one)");
  return v[0];
}

std::vector<std::int64_t> Node::attribute_ints(std::string_view name) const {
  return read_numeric_attribute<std::int64_t>(id(), name, H5T_NATIVE_INT64);
}

std::vector<double> Node::attribute_doubles(std::string_view name) const {
  return read_numeric_attribute<double>(id(), name, H5T_NATIVE_DOUBLE);
}

std::vector<std::int64_t> Node::attribute_shape(std::string_view name) const {
  H5Lock lock;
  H5Id attr = open_attribute(id(), name);
  H5Id space(S2S_H5_CHECK(H5Aget_space(attr.get())));
  int rank = S2S_H5_CHECK(H5Sget_simple_extent_ndims(space.get()));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) S2S_H5_CHECK(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr));
  return {dims.begin(), dims.end()};
}

}  // namespace s2s::io
