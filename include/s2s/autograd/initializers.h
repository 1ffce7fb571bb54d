#pragma once
// Owns: the variable initialisers of spec §1.0: glorot_uniform with TF's fan rules (the default of
// get_variable), constant, and uniform(lo, hi) (EmbeddingWrapper's U(−√3, √3)).
#include <string>

#include "s2s/core/philox.h"
#include "s2s/core/tensor.h"

namespace s2s::ag {

struct Initializer {
  enum class Kind { GlorotUniform, Constant, Uniform };
  Kind kind = Kind::GlorotUniform;
  double a = 0.0;  // Constant: the value; Uniform: lower bound
  double b = 0.0;  // Uniform: upper bound

  static Initializer glorot_uniform() { return {}; }
  static Initializer constant(double value) { return {Kind::Constant, value, 0.0}; }
  static Initializer zeros() { return constant(0.0); }
  static Initializer uniform(double lo, double hi) { return {Kind::Uniform, lo, hi}; }
  std::string describe() const;
};

// TF's _compute_fans: rank 0 -> (1, 1); [n] -> (n, n); [a, b] -> (a, b); rank >= 3 ->
// (dims[-2]·r, dims[-1]·r) with r the product of the leading dims (the receptive field).
struct Fans {
  double fan_in, fan_out;
};
Fans compute_fans(const Shape& shape);
double glorot_limit(const Shape& shape);  // sqrt(6 / (fan_in + fan_out))

// Fills a CPU float tensor; the values are a pure function of (stream state, shape).
void initialize(Tensor& t, const Initializer& init, PhiloxStream& rng);

}  // namespace s2s::ag
