// Owns: CallContext (inputs, caller-owned parameters, results) and the run_call dispatch.
#include "s2s/conformance/call.h"

#include "s2s/autograd/ops.h"

namespace s2s::conformance {

CallContext::CallContext(const Fixture& fixture, Device device)
    : fixture_(fixture), device_(device), store_(0, fixture.dtype, device), kwargs_(fixture.kwargs, fixture.path + ": kwargs") {
  for (const auto& [name, value] : fixture.params) store_.preload(name, value);
  for (const auto& [path, t] : fixture.inputs) consumed_[path] = false;
}

const Tensor& CallContext::take(const std::string& path) {
  auto it = fixture_.inputs.find(path);
  S2S_CHECK(it != fixture_.inputs.end(), fixture_.path, ": the call needs /inputs/", path, ", which is missing");
  consumed_[path] = true;
  return it->second;
}

bool CallContext::has_input(const std::string& path) const { return fixture_.inputs.count(path) == 1; }

bool CallContext::has_input_group(const std::string& prefix) const {
  auto it = fixture_.inputs.lower_bound(prefix + "/");
  return it != fixture_.inputs.end() && it->first.rfind(prefix + "/", 0) == 0;
}

std::vector<std::string> CallContext::input_children(const std::string& prefix) const {
  std::vector<std::string> out;
  const std::string p = prefix + "/";
  for (auto it = fixture_.inputs.lower_bound(p); it != fixture_.inputs.end() && it->first.rfind(p, 0) == 0; ++it) {
    std::string rest = it->first.substr(p.size());
    rest = rest.substr(0, rest.find('/'));
    if (out.empty() || out.back() != rest) out.push_back(rest);
  }
  return out;
}

ag::Var CallContext::input(const std::string& path) {
  const Tensor& t = take(path);
  if (!is_floating(t.dtype())) return ag::constant(t.to(device_));
  ag::Var v(t.clone().to(device_), /*requires_grad=*/true);
  float_inputs_[path] = FloatInput{{v}, false, t.shape(), true};
  return v;
}

std::vector<ag::Var> CallContext::sequence(const std::string& path) {
  const Tensor& t = take(path);
  S2S_CHECK(t.ndim() >= 1, fixture_.path, ": /inputs/", path, " must be [T, ...]");
  std::vector<ag::Var> steps;
  for (std::int64_t i = 0; i < t.dim(0); ++i) {
    Tensor step = t[i].clone().to(device_);
    steps.push_back(is_floating(t.dtype()) ? ag::Var(step, true) : ag::constant(step));
  }
  if (is_floating(t.dtype())) float_inputs_[path] = FloatInput{steps, true, t.shape(), true};
  return steps;
}

nn::Ids CallContext::ids_sequence(const std::string& path) {
  const Tensor& t = take(path);
  S2S_CHECK(t.dtype() == DType::I32 && t.ndim() == 2, fixture_.path, ": /inputs/", path, " must be int32 [T, B], got ",
            dtype_name(t.dtype()), " ", shape_str(t.shape()));
  nn::Ids out;
  for (std::int64_t i = 0; i < t.dim(0); ++i) out.push_back(t[i].clone().to(device_));
  return out;
}

Tensor CallContext::constant(const std::string& path) {
  const Tensor& t = take(path);
  if (is_floating(t.dtype())) float_inputs_[path] = FloatInput{{}, false, t.shape(), false};
  return t.clone();
}

nn::State CallContext::state(const std::string& prefix, const nn::StateSize& structure) {
  std::vector<ag::Var> flat;
  const std::size_t n = structure.num_leaves();
  for (std::size_t i = 0; i < n; ++i) flat.push_back(input(prefix + "/" + std::to_string(i)));
  S2S_CHECK(!has_input(prefix + "/" + std::to_string(n)), fixture_.path, ": /inputs/", prefix, " has more than the ", n,
            " components of the cell state ", nn::to_string(structure));
  return structure.pack(flat);
}

std::vector<std::string> CallContext::unconsumed_inputs() const {
  std::vector<std::string> out;
  for (const auto& [path, used] : consumed_)
    if (!used) out.push_back(path);
  return out;
}

ag::Var CallContext::caller_param(const std::string& name) {
  if (store_.contains(name)) return store_.get(name);  // the projection and the sampled loss share it
  auto it = fixture_.params.find(name);
  S2S_CHECK(it != fixture_.params.end(), fixture_.path, ": parameter ", name, " is needed by the call but missing from /params");
  return store_.get_variable(name, it->second.shape());
}

std::optional<nn::OutputProjection> CallContext::output_projection(bool wanted) {
  if (!wanted) return std::nullopt;
  nn::OutputProjection p;
  p.w = caller_param("output_projection/w");
  p.b = caller_param("output_projection/b");
  return p;
}

void CallContext::set_result(const std::string& path, const ag::Var& v) { results_[path] = Result{{v}, false}; }

void CallContext::set_sequence(const std::string& path, const std::vector<ag::Var>& steps) {
  results_[path] = Result{steps, true};
}

void CallContext::set_state(const std::string& prefix, const nn::State& s) {
  auto flat = s.flatten();
  for (std::size_t i = 0; i < flat.size(); ++i) set_result(prefix + "/" + std::to_string(i), flat[i]);
}

void run_call(CallContext& ctx) {
  const bool known = run_cell_call(ctx) || run_decoder_call(ctx) || run_loss_call(ctx);
  S2S_CHECK(known, ctx.fixture().path, ": unknown function \"", ctx.fixture().function, "\"");
  ctx.kwargs().finish();
}

}  // namespace s2s::conformance
