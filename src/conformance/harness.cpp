// Owns: running and judging one fixture (see harness.h).
#include "s2s/conformance/harness.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "s2s/autograd/ops.h"
#include "s2s/conformance/call.h"
#include "s2s/core/tensor.h"

namespace s2s::conformance {
namespace {

// Host float64 copy of a result: one tensor, or T steps stacked along a new axis 0.
Tensor stacked_host(const std::vector<ag::Var>& parts, bool stacked, bool grads) {
  std::vector<Tensor> pieces;
  for (const auto& v : parts) {
    Tensor t = grads ? (v.has_grad() ? v.grad() : Tensor::zeros(v.shape(), v.dtype(), v.device())) : v.value();
    pieces.push_back(t.to(Device::CPU).to_dtype(DType::F64));
  }
  if (!stacked) return pieces.at(0);
  Shape shape = pieces.empty() ? Shape{0} : pieces[0].shape();
  shape.insert(shape.begin(), static_cast<std::int64_t>(pieces.size()));
  Tensor out = Tensor::empty(shape, DType::F64);
  double* dst = out.data<double>();
  for (const auto& p : pieces) {
    S2S_CHECK(p.shape() == pieces[0].shape(), "results of different shapes across steps");
    std::copy(p.data<double>(), p.data<double>() + p.numel(), dst);
    dst += p.numel();
  }
  return out;
}

double array_error(const Tensor& actual, const Tensor& expected, const std::string& what) {
  S2S_CHECK(actual.shape() == expected.shape(), what, ": computed shape ", shape_str(actual.shape()),
            ", expected ", shape_str(expected.shape()));
  const Tensor e = expected.to_dtype(DType::F64);
  const double* pa = actual.data<double>();
  const double* pe = e.data<double>();
  double max_diff = 0, max_abs = 0;
  for (std::int64_t i = 0; i < e.numel(); ++i) {
    const double d = std::fabs(pa[i] - pe[i]);
    if (!(d <= max_diff)) max_diff = d;  // NaN propagates as the error
    max_abs = std::max(max_abs, std::fabs(pe[i]));
  }
  return max_abs > 0 ? max_diff / max_abs : max_diff;
}

// J = Σ over /probe paths of Σ result ⊙ probe.
ag::Var probe_objective(CallContext& ctx) {
  const Fixture& f = ctx.fixture();
  ag::Var j;
  for (const auto& [path, probe] : f.probe) {
    auto it = ctx.results().find(path);
    S2S_CHECK(it != ctx.results().end(), f.path, ": the call produced no result for /expected/", path);
    const auto& r = it->second;
    if (r.stacked) S2S_CHECK(static_cast<std::int64_t>(r.parts.size()) == probe.dim(0), f.path, ": result ", path, " has ",
                             r.parts.size(), " steps, /expected/", path, " has ", probe.dim(0));
    for (std::size_t i = 0; i < r.parts.size(); ++i) {
      Tensor p = r.stacked ? probe[static_cast<std::int64_t>(i)] : probe;
      S2S_CHECK(p.shape() == r.parts[i].shape(), f.path, ": result ", path, (r.stacked ? " step " + std::to_string(i) : ""),
                " has shape ", shape_str(r.parts[i].shape()), ", /probe/", path, " expects ", shape_str(p.shape()));
      ag::Var term = ag::sum(ag::mul(r.parts[i], ag::constant(p.clone().to(ctx.device()))));
      j = j.defined() ? ag::add(j, term) : term;
    }
  }
  S2S_CHECK(j.defined(), f.path, ": the fixture has no /probe arrays");
  return j;
}

void record(FixtureReport& rep, double& group, const std::string& path, double err, double tol) {
  rep.arrays.push_back({path, err, tol});
  group = std::max(group, std::isnan(err) ? INFINITY : err);
}

void compare(CallContext& ctx, FixtureReport& rep, double tol) {
  const Fixture& f = ctx.fixture();
  // Forward values.
  for (const auto& [path, expected] : f.expected) {
    if (path.rfind("grad/", 0) == 0) continue;
    const auto& r = ctx.results().at(path);
    const double err = array_error(stacked_host(r.parts, r.stacked, false), expected, path);
    const bool is_state = path.rfind("state", 0) == 0;
    const bool is_loss = path == "loss" || (path.size() > 5 && path.compare(path.size() - 5, 5, "/loss") == 0);
    record(rep, is_state ? rep.state : is_loss ? rep.loss : rep.outputs, path, err, tol);
  }
  // Parameter gradients: every parameter the call created, and nothing else.
  ag::ParamStore& ps = ctx.store();
  for (const auto& name : ps.names()) {
    S2S_CHECK(f.params.count(name) == 1, f.path, ": the call created parameter ", name, ", which is not in /params");
    auto it = f.expected.find("grad/params/" + name);
    S2S_CHECK(it != f.expected.end(), f.path, ": /expected/grad/params/", name, " is missing");
    const double err = array_error(stacked_host({ps.get(name)}, false, true), it->second, "grad/params/" + name);
    record(rep, rep.grads, "grad/params/" + name, err, tol);
  }
  for (const auto& [path, t] : f.expected)
    if (path.rfind("grad/params/", 0) == 0)
      S2S_CHECK(ps.contains(path.substr(12)), f.path, ": /expected/", path, " names a parameter the call never used");
  // Float input gradients.
  for (const auto& [path, in] : ctx.float_inputs()) {
    auto it = f.expected.find("grad/inputs/" + path);
    if (!in.compared) {
      S2S_CHECK(it == f.expected.end(), f.path, ": /expected/grad/inputs/", path,
                " exists but this input is stop_gradient (sampled expected counts)");
      continue;
    }
    S2S_CHECK(it != f.expected.end(), f.path, ": /expected/grad/inputs/", path, " is missing (", path, " is a float input)");
    const double err = array_error(stacked_host(in.parts, in.stacked, true), it->second, "grad/inputs/" + path);
    record(rep, rep.grads, "grad/inputs/" + path, err, tol);
  }
  for (const auto& [path, t] : f.expected)
    if (path.rfind("grad/inputs/", 0) == 0)
      S2S_CHECK(ctx.float_inputs().count(path.substr(12)) == 1, f.path, ": /expected/", path,
                " names no float input of the call");
}

std::string fmt_err(double e) {
  if (e < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2e", e);
  return buf;
}

}  // namespace

FixtureReport check_fixture(const std::string& path, const HarnessOptions& options) {
  FixtureReport rep;
  rep.file = path;
  try {
    const Fixture f = load_fixture(path);
    rep.function = f.function;
    rep.dtype = std::string(dtype_name(f.dtype));
    if (options.device == Device::CUDA && f.dtype == DType::F64) {
      rep.skipped = true;
      rep.message = "float64 runs on the CPU backend only";
      return rep;
    }
    const double tol = options.rtol.value_or(f.dtype == DType::F64 ? kTolerance64 : kTolerance32);
    CallContext ctx(f, options.device);
    ag::Tape tape;
    {
      ag::TapeScope scope(&tape);
      run_call(ctx);
      auto unused_inputs = ctx.unconsumed_inputs();
      S2S_CHECK(unused_inputs.empty(), path, ": /inputs/", unused_inputs.front(), " was not used by the call");
      auto unused_params = ctx.store().unused_preloaded();
      S2S_CHECK(unused_params.empty(), path, ": /params/", unused_params.front(),
                " is in the fixture but the call never created it (wrong name or unused)");
      tape.backward(probe_objective(ctx));
    }
    compare(ctx, rep, tol);
    rep.passed = std::all_of(rep.arrays.begin(), rep.arrays.end(), [](const ArrayError& a) { return a.ok(); });
  } catch (const std::exception& e) {
    rep.passed = false;
    rep.message = e.what();
  }
  return rep;
}

std::string format_report(const FixtureReport& r) {
  std::string status = r.skipped ? "SKIP" : r.passed ? "PASS" : "FAIL";
  std::string line = status + "  " + (r.function.empty() ? "?" : r.function) + "  " + (r.dtype.empty() ? "?" : r.dtype);
  if (!r.skipped && r.message.empty())
    line += "  outputs " + fmt_err(r.outputs) + "  state " + fmt_err(r.state) + "  loss " + fmt_err(r.loss) +
            "  grads " + fmt_err(r.grads);
  line += "  " + std::filesystem::path(r.file).filename().string();
  if (!r.message.empty()) line += "\n    " + std::string(r.skipped ? "skipped: " : "error: ") + r.message;
  for (const auto& a : r.arrays)
    if (!a.ok()) line += "\n    " + a.path + ": error " + fmt_err(a.error) + " > tolerance " + fmt_err(a.tolerance);
  return line;
}

std::vector<std::string> expand_fixture_paths(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (fs::is_directory(a)) {
      std::vector<std::string> files;
      for (const auto& e : fs::directory_iterator(a))
        if (e.is_regular_file() && e.path().extension() == ".h5") files.push_back(e.path().string());
      std::sort(files.begin(), files.end());
      S2S_CHECK(!files.empty(), a, ": directory holds no *.h5 fixture");
      out.insert(out.end(), files.begin(), files.end());
    } else {
      S2S_CHECK(fs::exists(a), a, ": no such fixture file or directory");
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace s2s::conformance
