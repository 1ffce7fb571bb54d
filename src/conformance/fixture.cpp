// Owns: reading a conformance fixture file (see fixture.h).
#include "s2s/conformance/fixture.h"

#include "s2s/io/h5_file.h"

namespace s2s::conformance {
namespace {

void collect(const io::Group& group, const std::string& prefix, std::map<std::string, Tensor>& out) {
  for (const std::string& child : group.children()) {
    const std::string path = prefix.empty() ? child : prefix + "/" + child;
    if (group.contains_group(child)) {
      collect(group.open_group(child), path, out);
    } else {
      out[path] = group.open_dataset(child).read_tensor();
    }
  }
}

void check_float_dtypes(const Fixture& f, const std::map<std::string, Tensor>& arrays, const char* group) {
  for (const auto& [path, t] : arrays)
    if (is_floating(t.dtype()))
      S2S_CHECK(t.dtype() == f.dtype, f.path, ": /", group, "/", path, " is ", dtype_name(t.dtype()),
                " but the fixture dtype is ", dtype_name(f.dtype));
}

}  // namespace

Fixture load_fixture(const std::string& path) {
  Fixture f;
  f.path = path;
  io::File file = io::File::open(path);
  S2S_CHECK(file.has_attribute("format") && file.attribute_string("format") == "s2s-conformance", path,
            ": not an s2s conformance fixture (root attribute format != \"s2s-conformance\")");
  const std::int64_t version = file.attribute_int("version");
  S2S_CHECK(version == 1, path, ": fixture format version ", version, " (this harness reads version 1)");
  f.function = file.attribute_string("function");
  f.dtype = dtype_from_name(file.attribute_string("dtype"));
  S2S_CHECK(is_floating(f.dtype), path, ": dtype must be float32 or float64");
  if (file.has_attribute("description")) f.description = file.attribute_string("description");
  const std::string kwargs = file.has_attribute("kwargs") ? file.attribute_string("kwargs") : "{}";
  try {
    f.kwargs = nlohmann::json::parse(kwargs);
  } catch (const nlohmann::json::exception& e) {
    S2S_FAIL(path, ": the kwargs attribute is not valid JSON: ", e.what());
  }
  S2S_CHECK(f.kwargs.is_object(), path, ": kwargs must be a JSON object");
  const std::pair<const char*, std::map<std::string, Tensor>*> groups[] = {
      {"inputs", &f.inputs}, {"params", &f.params}, {"probe", &f.probe}, {"expected", &f.expected}};
  for (const auto& [name, map] : groups)
    if (file.contains_group(name)) collect(file.open_group(name), "", *map);
  check_float_dtypes(f, f.inputs, "inputs");
  check_float_dtypes(f, f.params, "params");
  check_float_dtypes(f, f.probe, "probe");
  check_float_dtypes(f, f.expected, "expected");
  for (const auto& [p, t] : f.expected) {
    if (p.rfind("grad/", 0) == 0) continue;
    auto it = f.probe.find(p);
    S2S_CHECK(it != f.probe.end(), path, ": /expected/", p, " has no /probe/", p);
    S2S_CHECK(it->second.shape() == t.shape(), path, ": /probe/", p, " is ", shape_str(it->second.shape()),
              ", /expected/", p, " is ", shape_str(t.shape()));
  }
  for (const auto& [p, t] : f.probe)
    S2S_CHECK(f.expected.count(p) == 1, path, ": /probe/", p, " has no /expected/", p);
  return f;
}

}  // namespace s2s::conformance
