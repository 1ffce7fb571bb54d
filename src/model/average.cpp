// Owns: parameter averaging of model files (average.h).
#include "s2s/model/average.h"

#include "s2s/core/error.h"

namespace s2s::model {
namespace {

void check_same_model(const ModelFile& a, const ModelFile& b) {
  S2S_CHECK(!b.assets.empty(), b.path, " has checkpoint format ", b.format_version,
            " and carries no vocabularies: average checkpoints written by this s2s (format 2), or export it first "
            "with `s2s export --checkpoint ",
            b.path, " --dataset DATASET -o FILE`");
  const std::string diff = compare_assets(a.assets, b.assets, a.path, b.path);
  S2S_CHECK(diff.empty(), "cannot average ", a.path, " and ", b.path, ": they are not the same model (", diff, ")");
  for (const auto& [name, t] : a.params) {
    auto it = b.params.find(name);
    S2S_CHECK(it != b.params.end(), "cannot average ", a.path, " and ", b.path, ": parameter ", name, " is missing in ",
              b.path);
    S2S_CHECK(it->second.shape() == t.shape() && it->second.dtype() == t.dtype(), "cannot average ", a.path, " and ",
              b.path, ": parameter ", name, " is ", dtype_name(t.dtype()), " ", shape_str(t.shape()), " in ", a.path,
              " but ", dtype_name(it->second.dtype()), " ", shape_str(it->second.shape()), " in ", b.path);
  }
  for (const auto& [name, t] : b.params)
    S2S_CHECK(a.params.count(name) == 1, "cannot average ", a.path, " and ", b.path, ": parameter ", name,
              " is missing in ", a.path);
}

template <class T>
Tensor mean_of(const std::vector<ModelFile>& inputs, const std::string& name) {
  const Tensor& first = inputs.front().params.at(name);
  std::vector<double> sum(static_cast<std::size_t>(first.numel()), 0.0);
  for (const ModelFile& m : inputs) {
    const T* x = m.params.at(name).data<T>();
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += static_cast<double>(x[i]);
  }
  std::vector<T> out(sum.size());
  const double n = static_cast<double>(inputs.size());
  for (std::size_t i = 0; i < sum.size(); ++i) out[i] = static_cast<T>(sum[i] / n);
  return Tensor::from_vector<T>(first.shape(), out);
}

}  // namespace

ModelFile average_models(const std::vector<ModelFile>& inputs) {
  S2S_CHECK(!inputs.empty(), "average: no model files given");
  for (const ModelFile& m : inputs) check_same_model(inputs.front(), m);
  std::size_t newest = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].global_step >= inputs[newest].global_step) newest = i;
  ModelFile out;
  out.format = kModelFormatName;
  out.format_version = kModelFormatVersion;
  out.assets = inputs.front().assets;
  out.config_yaml = inputs[newest].config_yaml;
  out.global_step = inputs[newest].global_step;
  out.source = "average of";
  for (const ModelFile& m : inputs) out.source += " " + m.path;
  for (const auto& [name, t] : inputs.front().params) {
    switch (t.dtype()) {
      case DType::F32: out.params[name] = mean_of<float>(inputs, name); break;
      case DType::F64: out.params[name] = mean_of<double>(inputs, name); break;
      default: S2S_FAIL("average: parameter ", name, " is ", dtype_name(t.dtype()), " (expected float32 or float64)");
    }
  }
  return out;
}

}  // namespace s2s::model
