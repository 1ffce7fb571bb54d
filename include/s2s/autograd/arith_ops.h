#pragma once
// Owns: differentiable ops the nn part needs beyond ops.h: elementwise division (the weight
// normalisation of sequence_loss, spec §5) and a 2-D transpose (the sampled-softmax weights taken
// from an output_projection pair, conformance.md). Both are small host-side ops: on a CUDA tensor
// they round-trip through the host, which is fine for their [B]-sized / one-off uses; a device
// kernel can replace them without changing these signatures.
#include "s2s/autograd/var.h"

namespace s2s::ag {

Var div(const Var& a, const Var& b);  // a / b elementwise, same shape
Var transpose(const Var& x);          // [R, C] -> [C, R]

}  // namespace s2s::ag
