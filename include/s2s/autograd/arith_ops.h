#pragma once
// Owns: differentiable ops the nn part needs beyond ops.h: elementwise division (the weight
// normalisation of sequence_loss, spec §5) and a 2-D transpose (the sampled-softmax weights taken
// from an output_projection pair, conformance.md). Both run on the tensors' device through the
// kernels of kernels/arith.h (no host round trip).
#include "s2s/autograd/var.h"

namespace s2s::ag {

Var div(const Var& a, const Var& b);  // a / b elementwise, same shape
Var transpose(const Var& x);          // [R, C] -> [C, R]

}  // namespace s2s::ag
