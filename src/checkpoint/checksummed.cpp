// Owns: writing and verified reading of checksummed datasets (see checksummed.h).
#include "s2s/checkpoint/checksummed.h"

#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <cstdio>
#include <functional>

#include "s2s/checkpoint/checkpoint.h"
#include "s2s/core/error.h"
#include "s2s/io/crc32c.h"

namespace s2s::checkpoint {
namespace {

constexpr const char* kCrcAttr = "crc32c";

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

// Each string then one NUL: unambiguous for any strings (["ab", ""] and ["a", "b"] differ).
std::uint32_t strings_crc(std::uint32_t seed, const std::vector<std::string>& values) {
  std::string joined;
  for (const auto& v : values) {
    joined += v;
    joined.push_back('\0');
  }
  return io::crc32c_extend(seed, joined.data(), joined.size());
}

// The path as HDF5 resolves it ("/model/params/…"), then one NUL: the NUL ends the path, so no
// path/data split of the same bytes sums alike.
std::uint32_t path_seed(const io::Dataset& ds) {
  std::string p = ds.path();
  p.push_back('\0');
  return io::crc32c(p);
}

void set_crc(io::Dataset& ds, std::uint32_t crc) { ds.set_attribute(kCrcAttr, static_cast<std::int64_t>(crc)); }

void verify(const io::Dataset& ds, const std::string& path, std::uint32_t computed) {
  S2S_CHECK(ds.has_attribute(kCrcAttr), "dataset ", path, " has no ", kCrcAttr, " attribute");
  const auto stored = static_cast<std::uint32_t>(ds.attribute_int(kCrcAttr));
  S2S_CHECK(stored == computed, "dataset ", path, ": checksum mismatch (stored crc32c ", hex32(stored),
            ", computed ", hex32(computed), "): the data or the dataset's name is corrupt (or it was moved "
            "from another path)");
}

constexpr const char* kManifest = "manifest";

// Every dataset of the file except the manifest, by path relative to the root, sorted.
std::vector<std::string> all_datasets(const io::Group& root) {
  std::vector<std::string> out;
  std::function<void(const io::Group&, const std::string&)> walk = [&](const io::Group& g, const std::string& rel) {
    for (const auto& child : g.children()) {
      const std::string r = rel.empty() ? child : rel + "/" + child;
      if (g.contains_group(child)) walk(g.open_group(child), r);
      else if (r != kManifest) out.push_back(r);
    }
  };
  walk(root, "");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void write_manifest(io::File& f) { put_strings(f, kManifest, all_datasets(f)); }

void ChecksummedReader::verify_manifest() {
  const std::vector<std::string> listed = strings(kManifest);
  const std::vector<std::string> present = all_datasets(file_);
  if (listed == present) return;
  std::vector<std::string> missing, extra;
  std::set_difference(listed.begin(), listed.end(), present.begin(), present.end(), std::back_inserter(missing));
  std::set_difference(present.begin(), present.end(), listed.begin(), listed.end(), std::back_inserter(extra));
  S2S_FAIL("the datasets do not match the manifest: ", missing.size(), " listed but missing",
           missing.empty() ? std::string() : " (first: " + missing.front() + ")", ", ", extra.size(),
           " present but not listed", extra.empty() ? std::string() : " (first: " + extra.front() + ")",
           "; a dataset was deleted, added or renamed");
}

void write_file_description(io::File& f, const char* format, std::int64_t format_version) {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  f.set_attribute("format", format);
  f.set_attribute("format_version", format_version);
  f.set_attribute("s2s_version", kS2sVersion);
  f.set_attribute("hdf5_version", std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel));
  f.set_attribute("created_unix_s",
                  std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void check_dataset_name(const std::string& section, const std::string& name) {
  bool ok = !name.empty() && name.front() != '/' && name.back() != '/' &&
            name.find("//") == std::string::npos && name != "." && name.find("/./") == std::string::npos;
  S2S_CHECK(ok, "checkpoint: ", section, " name '", name,
            "' is not a valid path (non-empty components separated by single '/')");
}

void put_tensor(io::Group& g, const std::string& name, const Tensor& t) {
  S2S_CHECK(t.defined(), "checkpoint: tensor '", name, "' is undefined");
  Tensor host = t.device() == Device::CPU ? t : t.to(Device::CPU);
  io::Dataset ds = g.write_tensor(name, host);
  set_crc(ds, io::crc32c_extend(path_seed(ds), host.raw(), host.nbytes()));
}

void put_string(io::Group& g, const std::string& name, const std::string& value) {
  io::Dataset ds = g.create_string_dataset(name, {value});
  set_crc(ds, io::crc32c_extend(path_seed(ds), value.data(), value.size()));
}

void put_strings(io::Group& g, const std::string& name, const std::vector<std::string>& values) {
  io::Dataset ds = g.create_string_dataset(name, values);
  set_crc(ds, strings_crc(path_seed(ds), values));
}

void put_bytes(io::Group& g, const std::string& name, const std::string& bytes) {
  io::Dataset ds = g.write_bytes(name, bytes, /*deflate_level=*/4);
  set_crc(ds, io::crc32c_extend(path_seed(ds), bytes.data(), bytes.size()));
}

void put_u64_triple(io::Group& g, const std::string& name, const std::array<std::uint64_t, 3>& v) {
  io::H5Lock lock;
  hsize_t n = 3;
  io::H5Id space(S2S_H5_CHECK(H5Screate_simple(1, &n, nullptr)));
  io::H5Id lcpl(S2S_H5_CHECK(H5Pcreate(H5P_LINK_CREATE)));
  S2S_H5_CHECK(H5Pset_create_intermediate_group(lcpl.get(), 1));
  io::H5Id dcpl(S2S_H5_CHECK(H5Pcreate(H5P_DATASET_CREATE)));
  S2S_H5_CHECK(H5Pset_obj_track_times(dcpl.get(), 0));
  io::Dataset ds(S2S_H5_CHECK(H5Dcreate2(g.id(), name.c_str(), H5T_STD_U64LE, space.get(), lcpl.get(),
                                         dcpl.get(), H5P_DEFAULT)));
  S2S_H5_CHECK(H5Dwrite(ds.id(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()));
  set_crc(ds, io::crc32c_extend(path_seed(ds), v.data(), sizeof(v)));
}

std::uint32_t ChecksummedReader::seed(const io::Dataset& ds) const {
  return scheme_ == ChecksumScheme::PathAndData ? path_seed(ds) : 0;
}

io::Dataset ChecksummedReader::open(const std::string& path) const {
  S2S_CHECK(file_.contains_dataset(path), "dataset ", path, " is missing");
  return file_.open_dataset(path);
}

Tensor ChecksummedReader::tensor(const std::string& path) {
  io::Dataset ds = open(path);
  Tensor t = ds.read_tensor();
  verify(ds, path, io::crc32c_extend(seed(ds), t.raw(), t.nbytes()));
  return t;
}

std::string ChecksummedReader::string(const std::string& path) {
  io::Dataset ds = open(path);
  auto v = ds.read_strings();
  S2S_CHECK(v.size() == 1, "dataset ", path, ": expected one string, found ", v.size());
  verify(ds, path, io::crc32c_extend(seed(ds), v[0].data(), v[0].size()));
  return v[0];
}

std::vector<std::string> ChecksummedReader::strings(const std::string& path) {
  io::Dataset ds = open(path);
  auto v = ds.read_strings();
  verify(ds, path, strings_crc(seed(ds), v));
  return v;
}

std::string ChecksummedReader::bytes(const std::string& path) {
  io::Dataset ds = open(path);
  std::string v = ds.read_bytes();
  verify(ds, path, io::crc32c_extend(seed(ds), v.data(), v.size()));
  return v;
}

std::array<std::uint64_t, 3> ChecksummedReader::u64_triple(const std::string& path) {
  io::Dataset ds = open(path);
  S2S_CHECK(ds.shape() == std::vector<std::int64_t>{3}, "dataset ", path, ": expected 3 uint64 values");
  std::array<std::uint64_t, 3> v{};
  {
    io::H5Lock lock;
    S2S_H5_CHECK(H5Dread(ds.id(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()));
  }
  verify(ds, path, io::crc32c_extend(seed(ds), v.data(), sizeof(v)));
  return v;
}

void ChecksummedReader::check_scalar(const std::string& path, const Tensor& t, DType want) {
  S2S_CHECK(t.numel() == 1 && t.dtype() == want, "dataset ", path, ": expected a ", dtype_name(want),
            " scalar, found ", dtype_name(t.dtype()), " ", shape_str(t.shape()));
}

std::vector<std::string> ChecksummedReader::datasets_under(const std::string& group) const {
  std::vector<std::string> out;
  if (!file_.contains_group(group)) return out;
  std::function<void(const std::string&)> walk = [&](const std::string& rel) {
    io::Group g = file_.open_group(rel.empty() ? group : group + "/" + rel);
    for (const auto& child : g.children()) {
      const std::string r = rel.empty() ? child : rel + "/" + child;
      if (g.contains_group(child)) walk(r);
      else out.push_back(r);
    }
  };
  walk("");
  return out;
}

}  // namespace s2s::checkpoint
