// Owns: initialiser math (spec §1.0).
#include "s2s/autograd/initializers.h"

#include <cmath>

namespace s2s::ag {

std::string Initializer::describe() const {
  switch (kind) {
    case Kind::GlorotUniform: return "glorot_uniform";
    case Kind::Constant: return detail::concat("constant(", a, ")");
    case Kind::Uniform: return detail::concat("uniform(", a, ", ", b, ")");
  }
  return "?";
}

Fans compute_fans(const Shape& s) {
  if (s.empty()) return {1, 1};
  if (s.size() == 1) return {double(s[0]), double(s[0])};
  if (s.size() == 2) return {double(s[0]), double(s[1])};
  double receptive = 1;
  for (size_t i = 0; i + 2 < s.size(); ++i) receptive *= double(s[i]);
  return {double(s[s.size() - 2]) * receptive, double(s.back()) * receptive};
}

double glorot_limit(const Shape& shape) {
  Fans f = compute_fans(shape);
  return std::sqrt(6.0 / std::max(1.0, f.fan_in + f.fan_out));
}

void initialize(Tensor& t, const Initializer& init, PhiloxStream& rng) {
  S2S_CHECK(t.device() == Device::CPU && is_floating(t.dtype()), "initialize: needs a CPU float tensor");
  double lo = 0, hi = 0;
  switch (init.kind) {
    case Initializer::Kind::Constant: t.fill(init.a); return;
    case Initializer::Kind::GlorotUniform: hi = glorot_limit(t.shape()); lo = -hi; break;
    case Initializer::Kind::Uniform: lo = init.a; hi = init.b; break;
  }
  dispatch_floating(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(rng.uniform(lo, hi));
  });
}

}  // namespace s2s::ag
