#pragma once
// Owns: the float64 central-difference gradient checker every autograd test reuses.
//
//   auto f = [](const std::vector<ag::Var>& x) { return ag::matmul(x[0], x[1]); };
//   EXPECT_TRUE(s2s::test::grad_check(f, {random_tensor({7, 3}, DType::F64, 1),
//                                         random_tensor({3, 5}, DType::F64, 2)}));
//
// f builds its output(s) from Vars made of the given float64 CPU tensors (every input is
// differentiated unless GradCheckOptions::wrt says otherwise; constants such as ids and labels
// are captured by f). f must be deterministic: a dropout mask or a sampler's draws must be fixed
// (captured), since f is evaluated twice per input element. With a random probe
// R ~ U(−1, 1) per output, J = Σ_k Σ_i out_k,i R_k,i:
//   analytic  dJ/dx  = the tape's backward with d out_k = R_k seeded into each output;
//   numeric   dJ/dx_j = (J(x + h e_j) − J(x − h e_j)) / ((x_j + h) − (x_j − h)),
// for every element of every input. Tolerances and their derivation: support/tolerances.h.
// It also checks that f gives the same values with and without an active tape.
// On failure the message names the worst element, the max abs/rel errors and the first
// mismatches (input, index, analytic, numeric, error, allowed, noise floor). With the environment
// variable S2S_GRADCHECK_VERBOSE set, every check prints its margins (worst err / allowed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "s2s/autograd/var.h"
#include "s2s/core/tensor.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {

struct GradCheckOptions {
  double step = tol::kGradCheckStep;
  double rtol = tol::kGradCheckRelTol;
  double atol = tol::kGradCheckAbsFloor;
  double rounding_safety = tol::kGradCheckRoundingSafety;
  std::uint64_t probe_seed = 0x9b0be;
  int max_reported = 8;
  // Which inputs to check numerically (empty: all). The others still take part in the forward
  // and backward passes; use it to skip large tables whose gradient another case covers.
  std::vector<bool> wrt;
};

using MultiOutputFn = std::function<std::vector<ag::Var>(const std::vector<ag::Var>&)>;
using OutputFn = std::function<ag::Var(const std::vector<ag::Var>&)>;

namespace detail {

using Values = std::vector<std::vector<double>>;  // one vector per output

// Output values of f at xs, with no tape active (the inputs are wrapped, not copied).
inline Values forward_values(const MultiOutputFn& f, const std::vector<Tensor>& xs) {
  ag::TapeScope no_tape(nullptr);
  std::vector<ag::Var> vars;
  for (const Tensor& x : xs) vars.emplace_back(x, /*requires_grad=*/true);
  Values out;
  for (const ag::Var& y : f(vars)) out.push_back(to_doubles(y.value()));
  return out;
}

// J = Σ_k Σ_i out R, accumulated in long double so the sum adds no noise of its own.
inline long double probe_dot(const Values& outs, const Values& probes) {
  long double j = 0;
  for (std::size_t k = 0; k < outs.size(); ++k)
    for (std::size_t i = 0; i < outs[k].size(); ++i)
      j += static_cast<long double>(outs[k][i]) * probes[k][i];
  return j;
}

// Σ |R_i| (|out+_i| + |out−_i|) over the output elements that differ between the two points.
inline double noise_scale(const Values& plus, const Values& minus, const Values& probes) {
  double s = 0;
  for (std::size_t k = 0; k < plus.size(); ++k)
    for (std::size_t i = 0; i < plus[k].size(); ++i)
      if (plus[k][i] != minus[k][i])
        s += std::abs(probes[k][i]) * (std::abs(plus[k][i]) + std::abs(minus[k][i]));
  return s;
}

}  // namespace detail

inline ::testing::AssertionResult grad_check_multi(const MultiOutputFn& f,
                                                   const std::vector<Tensor>& inputs,
                                                   const GradCheckOptions& opt = {}) {
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].defined() || inputs[i].dtype() != DType::F64 || inputs[i].device() != Device::CPU)
      return ::testing::AssertionFailure() << "grad_check: input " << i
                                           << " must be a defined float64 CPU tensor";

  // ---- analytic: one taped forward, probes seeded into the outputs, one backward ----
  std::vector<ag::Var> vars;
  for (const Tensor& x : inputs) vars.emplace_back(x.clone(), /*requires_grad=*/true);
  ag::Tape tape;
  std::vector<ag::Var> outs;
  {
    ag::TapeScope scope(&tape);
    outs = f(vars);
  }
  if (outs.empty()) return ::testing::AssertionFailure() << "grad_check: f returned no outputs";
  detail::Values probes, taped;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    if (outs[k].dtype() != DType::F64)
      return ::testing::AssertionFailure() << "grad_check: output " << k << " is "
                                           << dtype_name(outs[k].dtype()) << ", not float64";
    probes.push_back(to_doubles(random_tensor(outs[k].shape(), DType::F64, opt.probe_seed + k)));
    taped.push_back(to_doubles(outs[k].value()));
  }
  for (std::size_t k = 0; k < outs.size(); ++k) {
    if (!outs[k].requires_grad()) continue;  // a constant output: nothing flows back from it
    double* g = outs[k].grad().data<double>();  // += so an output listed twice gets both probes
    for (std::size_t i = 0; i < probes[k].size(); ++i) g[i] += probes[k][i];
  }
  tape.backward();

  const detail::Values untaped = detail::forward_values(f, inputs);
  if (untaped != taped)
    return ::testing::AssertionFailure()
           << "grad_check: f gives different values with and without an active tape";

  // ---- numeric: central differences, element by element ----
  struct Mismatch {
    std::size_t input;
    std::int64_t index;
    double analytic, numeric, err, allowed, floor;
  };
  std::vector<Mismatch> bad;
  Mismatch worst{0, -1, 0, 0, 0, 0, 0};
  double worst_ratio = -1, max_abs = 0, max_rel = 0;
  std::int64_t checked = 0;
  std::vector<Tensor> xs;
  for (const Tensor& x : inputs) xs.push_back(x.clone());
  for (std::size_t in = 0; in < xs.size(); ++in) {
    if (in < opt.wrt.size() && !opt.wrt[in]) continue;
    const std::vector<double> analytic =
        vars[in].has_grad() ? to_doubles(vars[in].grad()) : std::vector<double>(xs[in].numel(), 0.0);
    double* p = xs[in].data<double>();
    for (std::int64_t j = 0; j < xs[in].numel(); ++j) {
      const double x0 = p[j];
      p[j] = x0 + opt.step;
      const double xp = p[j];
      const detail::Values plus = detail::forward_values(f, xs);
      p[j] = x0 - opt.step;
      const double xm = p[j];
      const detail::Values minus = detail::forward_values(f, xs);
      p[j] = x0;
      const double numeric = static_cast<double>(
          (detail::probe_dot(plus, probes) - detail::probe_dot(minus, probes)) / (xp - xm));
      const double floor =
          opt.atol + opt.rounding_safety * tol::kU64 * detail::noise_scale(plus, minus, probes) / (xp - xm);
      const double a = analytic[j];
      const double err = std::abs(a - numeric);
      const double allowed = floor + opt.rtol * std::max(std::abs(a), std::abs(numeric));
      max_abs = std::max(max_abs, err);
      max_rel = std::max(max_rel, err / std::max({std::abs(a), std::abs(numeric), 1e-300}));
      ++checked;
      const Mismatch m{in, j, a, numeric, err, allowed, floor};
      const double ratio = std::isnan(err) ? INFINITY : err / allowed;
      if (ratio > worst_ratio) { worst_ratio = ratio; worst = m; }
      if (!(err <= allowed)) bad.push_back(m);
    }
  }
  if (std::getenv("S2S_GRADCHECK_VERBOSE") != nullptr)  // margins, for tuning a new op's test
    std::printf("[grad_check] %lld elements, max abs err %.3g, max rel err %.3g, worst err/allowed %.3g\n",
                static_cast<long long>(checked), max_abs, max_rel, worst_ratio);
  if (bad.empty()) return ::testing::AssertionSuccess();

  auto describe = [&](const Mismatch& m) {
    std::ostringstream os;
    os.precision(12);
    os << "input " << m.input << " " << shape_str(inputs[m.input].shape()) << " element "
       << index_str(inputs[m.input].shape(), m.index) << ": analytic " << m.analytic
       << ", numeric " << m.numeric << ", |err| " << m.err << " > allowed " << m.allowed
       << " (noise floor " << m.floor << ")";
    return os.str();
  };
  auto r = ::testing::AssertionFailure();
  r << "gradient check failed for " << bad.size() << " of " << checked << " elements (h = "
    << opt.step << ", rtol = " << opt.rtol << "); max abs err " << max_abs << ", max rel err "
    << max_rel << "\n  worst: " << describe(worst) << "\n  first mismatches:";
  for (std::size_t i = 0; i < bad.size() && static_cast<int>(i) < opt.max_reported; ++i)
    r << "\n    " << describe(bad[i]);
  return r;
}

inline ::testing::AssertionResult grad_check(const OutputFn& f, const std::vector<Tensor>& inputs,
                                             const GradCheckOptions& opt = {}) {
  return grad_check_multi(
      [&f](const std::vector<ag::Var>& x) { return std::vector<ag::Var>{f(x)}; }, inputs, opt);
}

}  // namespace s2s::test
