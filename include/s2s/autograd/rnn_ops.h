#pragma once
// Owns: the differentiable fused ops of the recurrent model: the GRU and BasicLSTM cell steps with
// the tanh activation (spec §1.2, §1.3) and the attention score (spec §4.7). Each runs one fused
// forward kernel and one fused backward kernel (kernels/rnn_cell.h, kernels/attention.h) where the
// unfused graph records 6-10 elementwise ops. Values equal the unfused composition's; on the CPU
// the forward values are bitwise equal (same operations in the same order).
// Shapes: B batch, n units, L attention length, A attention size.
#include "s2s/autograd/var.h"

namespace s2s::ag {

// GRU step, split around the candidate GEMM, which needs r ⊙ h:
//   GruGates g = gru_gates(zg, h);                        zg = concat(x, h) @ W_g + b_g  [B, 2n]
//   Var zc = linear(concat(x, g.rh)) ...;                 [B, n]
//   Var h_new = gru_output(zg, g, zc, h);                 u ⊙ h + (1 − u) ⊙ tanh(zc)
struct GruGates {
  Var rh;     // r ⊙ h [B, n], differentiable (into zg's r half and h)
  Tensor ru;  // σ(zg) [B, 2n]: r | u, kept for gru_output (its gradient flows through zg)
};
GruGates gru_gates(const Var& zg, const Var& h);
// Gradients flow into zg's u half, zc and h.
Var gru_output(const Var& zg, const GruGates& gates, const Var& zc, const Var& h);

// BasicLSTM step (tanh): z = concat(x, h) @ W + b [B, 4n] split i | j | f | o, c [B, n]:
//   c' = c ⊙ σ(f + forget_bias) + σ(i) ⊙ tanh(j);  h' = tanh(c') ⊙ σ(o).
// c' and h' are two outputs of one op: its fused backward runs once with both incoming gradients
// (from whichever of the two is back-propagated first; the tape's reverse order guarantees the
// other's gradient is complete by then).
struct LstmStep {
  Var c, h;  // [B, n] each
};
LstmStep basic_lstm_cell(const Var& z, const Var& c, double forget_bias);

// e [B, L] = Σ_a v[a] tanh(f[b, j, a] + y[b, a]) for f [B, L, A], y [B, A], v [A].
Var attention_score(const Var& f, const Var& y, const Var& v);

}  // namespace s2s::ag
