// Owns: parameter creation/reuse by scoped name (see param_store.h).
#include "s2s/autograd/param_store.h"

namespace s2s::ag {

ParamStore::ParamStore(std::uint64_t seed, DType default_dtype, Device device)
    : seed_(seed), default_dtype_(default_dtype), device_(device) {}

std::string ParamStore::current_scope() const {
  std::string s;
  for (const auto& f : frames_) {
    if (f.name.empty()) continue;
    if (!s.empty()) s += '/';
    s += f.name;
  }
  return s;
}
Reuse ParamStore::current_reuse() const { return frames_.empty() ? Reuse::No : frames_.back().reuse; }
DType ParamStore::current_dtype() const { return frames_.empty() ? default_dtype_ : frames_.back().dtype; }
std::optional<Initializer> ParamStore::current_initializer() const {
  return frames_.empty() ? std::nullopt : frames_.back().init;  // nested scopes inherit it
}

Var ParamStore::get_variable(const std::string& name, const Shape& shape,
                             std::optional<Initializer> init, std::optional<DType> dtype) {
  S2S_CHECK(!name.empty(), "get_variable: empty variable name in scope '", current_scope(), "'");
  const std::string scope = current_scope();
  const std::string full = scope.empty() ? name : scope + "/" + name;
  const Reuse reuse = current_reuse();
  const DType dt = dtype.value_or(current_dtype());
  auto it = vars_.find(full);
  if (it != vars_.end()) {
    S2S_CHECK(reuse != Reuse::No, "Variable ", full,
              " already exists, disallowed (reuse it in a scope with reuse=Yes or Auto)");
    S2S_CHECK(it->second.shape() == shape, "Trying to share variable ", full,
              ", but specified shape ", shape_str(shape), " and found shape ",
              shape_str(it->second.shape()));
    return it->second;
  }
  S2S_CHECK(reuse != Reuse::Yes, "Variable ", full,
            " does not exist, or was not created with get_variable() (reuse=Yes needs it to exist)");

  Tensor value;
  if (auto pre = preloaded_.find(full); pre != preloaded_.end()) {
    S2S_CHECK(shape_numel(pre->second.shape()) == shape_numel(shape), "parameter ", full,
              " has shape ", shape_str(pre->second.shape()), " in the loaded values, the model needs ",
              shape_str(shape));
    value = pre->second.to(Device::CPU).to_dtype(dt).reshape(shape).clone();
    preloaded_.erase(pre);
  }
  if (!value.defined()) {
    S2S_CHECK(!preload_mode_, "parameter ", full, " ", shape_str(shape),
              " is needed by the model but missing from the loaded values");
    value = Tensor::empty(shape, dt);
    Initializer chosen = init ? *init : Initializer::glorot_uniform();
    if (!init) {
      for (auto f = frames_.rbegin(); f != frames_.rend(); ++f)
        if (f->init) { chosen = *f->init; break; }
    }
    PhiloxStream rng(seed_, stable_hash(full.data(), full.size()));
    initialize(value, chosen, rng);
  }
  Var v(value.to(device_), /*requires_grad=*/true);
  v.node()->name = full;
  vars_.emplace(full, v);
  order_.push_back(full);
  return v;
}

bool ParamStore::contains(const std::string& full_name) const { return vars_.count(full_name) != 0; }

Var ParamStore::get(const std::string& full_name) const {
  auto it = vars_.find(full_name);
  S2S_CHECK(it != vars_.end(), "no parameter named ", full_name);
  return it->second;
}

std::vector<Var> ParamStore::parameters() const {
  std::vector<Var> out;
  out.reserve(order_.size());
  for (const auto& n : order_) out.push_back(vars_.at(n));
  return out;
}

std::int64_t ParamStore::total_elements() const {
  std::int64_t n = 0;
  for (const auto& [name, v] : vars_) n += v.value().numel();
  return n;
}

void ParamStore::zero_grads() {
  for (auto& [name, v] : vars_) {
    Var copy = v;
    copy.zero_grad();
  }
}

void ParamStore::preload(const std::string& full_name, Tensor value) {
  preload_mode_ = true;
  preloaded_[full_name] = std::move(value);
}

std::vector<std::string> ParamStore::unused_preloaded() const {
  std::vector<std::string> out;
  for (const auto& [name, t] : preloaded_) out.push_back(name);
  return out;
}

VariableScope::VariableScope(ParamStore& store, const std::string& name, std::optional<Reuse> reuse,
                             std::optional<Initializer> init, std::optional<DType> dtype)
    : store_(store) {
  ParamStore::Frame f;
  f.name = name;
  const Reuse parent = store.current_reuse();
  f.reuse = parent == Reuse::Yes ? Reuse::Yes : reuse.value_or(parent);
  if (!init && !store.frames_.empty()) init = store.frames_.back().init;
  f.init = init;
  f.dtype = dtype.value_or(store.current_dtype());
  store.frames_.push_back(std::move(f));
}

VariableScope::~VariableScope() { store_.frames_.pop_back(); }

}  // namespace s2s::ag
