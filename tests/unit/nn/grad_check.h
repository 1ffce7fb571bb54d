#pragma once
// Owns: the float64 central-difference gradient check used by the nn tests.
// J = Σ_i Σ out_i ⊙ R_i with fixed random probes R_i; the tape's dJ/dθ for every parameter of the
// store (and every listed input) is compared with (J(θ+h) − J(θ−h)) / 2h, h = 1e-6.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "s2s/autograd/ops.h"
#include "s2s/autograd/param_store.h"
#include "s2s/core/philox.h"

namespace s2s::nn::testing {

using ag::Var;
using BuildFn = std::function<std::vector<Var>()>;

inline Tensor random_tensor(const Shape& shape, std::uint64_t stream, double lo = -1.0, double hi = 1.0) {
  Tensor t = Tensor::empty(shape, DType::F64);
  PhiloxStream rng(1234, stream);
  for (double& v : t.span<double>()) v = rng.uniform(lo, hi);
  return t;
}
inline Var random_var(const Shape& shape, std::uint64_t stream, bool requires_grad = true) {
  return Var(random_tensor(shape, stream), requires_grad);
}
inline Tensor ids_tensor(const std::vector<std::int32_t>& ids) {
  return Tensor::from_vector<std::int32_t>({static_cast<std::int64_t>(ids.size())}, ids);
}

// Gives every parameter of the store random values in [-0.6, 0.6] (so biases are not all 0/1).
inline void randomize_params(ag::ParamStore& ps, std::uint64_t stream = 77) {
  std::uint64_t k = 0;
  for (Var p : ps.parameters()) p.mutable_value().copy_from(random_tensor(p.shape(), stream * 1000 + k++, -0.6, 0.6));
}

struct GradCheckReport {
  double max_error = 0.0;  // |analytic − numeric| / max(1, |numeric|)
  std::string worst;
  int checked = 0;
};

inline double probe_value(const std::vector<Var>& outs, const std::vector<Tensor>& probes) {
  double j = 0.0;
  for (std::size_t i = 0; i < outs.size(); ++i) {
    auto o = outs[i].value().to_vector<double>();
    auto r = probes[i].to_vector<double>();
    for (std::size_t k = 0; k < o.size(); ++k) j += o[k] * r[k];
  }
  return j;
}

// Runs `build` (which must use `ps` under any scopes it needs; it is called under reuse=Auto so
// it can run many times), checks every parameter of `ps` and every Var in `inputs`.
inline GradCheckReport check_gradients(ag::ParamStore& ps, const std::vector<Var>& inputs, const BuildFn& build,
                                       bool randomize = true, double h = 1e-6) {
  auto run = [&] {
    ag::VariableScope auto_reuse(ps, "", ag::Reuse::Auto);
    return build();
  };
  { run(); }  // creates the variables
  if (randomize) randomize_params(ps);
  std::vector<Tensor> probes;
  ag::Tape tape;
  std::vector<Var> outs;
  {
    ag::TapeScope scope(&tape);
    outs = run();
    for (std::size_t i = 0; i < outs.size(); ++i) probes.push_back(random_tensor(outs[i].shape(), 900 + i));
    Var j;
    for (std::size_t i = 0; i < outs.size(); ++i) {
      Var term = ag::sum(ag::mul(outs[i], ag::constant(probes[i])));
      j = j.defined() ? ag::add(j, term) : term;
    }
    ps.zero_grads();
    for (const Var& v : inputs) v.zero_grad();
    tape.backward(j);
  }
  GradCheckReport rep;
  std::vector<std::pair<std::string, Var>> targets;
  for (const auto& name : ps.names()) targets.emplace_back(name, ps.get(name));
  for (std::size_t i = 0; i < inputs.size(); ++i) targets.emplace_back("input " + std::to_string(i), inputs[i]);
  for (auto& [name, v] : targets) {
    Tensor analytic = v.has_grad() ? v.grad().clone() : Tensor::zeros(v.shape(), DType::F64);
    double* p = v.mutable_value().data<double>();
    for (std::int64_t k = 0; k < v.value().numel(); ++k) {
      const double saved = p[k];
      p[k] = saved + h;
      const double jp = probe_value(run(), probes);
      p[k] = saved - h;
      const double jm = probe_value(run(), probes);
      p[k] = saved;
      const double numeric = (jp - jm) / (2 * h);
      const double a = analytic.data<double>()[k];
      const double err = std::fabs(a - numeric) / std::max(1.0, std::fabs(numeric));
      ++rep.checked;
      if (err > rep.max_error) {
        rep.max_error = err;
        rep.worst = name + "[" + std::to_string(k) + "]: analytic " + std::to_string(a) + " numeric " +
                    std::to_string(numeric);
      }
    }
  }
  return rep;
}

#define S2S_EXPECT_GRADIENTS(report, tol)                                                \
  do {                                                                                   \
    const auto& _r = (report);                                                           \
    EXPECT_GT(_r.checked, 0);                                                            \
    EXPECT_LT(_r.max_error, (tol)) << "worst: " << _r.worst << " (" << _r.checked << " checked)"; \
  } while (0)

}  // namespace s2s::nn::testing
