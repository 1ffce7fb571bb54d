#pragma once
// Owns: the fused attention score of attention_decoder (spec §4.7):
//   e[b, j] = Σ_a v[a] · tanh(F[b, j, a] + y[b, a])
// with F [B, L, A] the precomputed features (H @ AttnW), y [B, A] the query projection and v [A]
// (AttnV). The softmax over j (softmax.h) and the context Σ_j α H (a batched GEMM) stay separate.
// The unfused graph materialises tanh(F + y) [B, L, A] and keeps it for backward; the backward
// kernel here recomputes it instead (one tanh per element, no [B, L, A] buffer per step and head).
// Backward accumulates; a null gradient output is skipped (elementwise.h, rnn_cell.h).
#include <cstdint>

namespace s2s::cpu {
// e [B, L]; f [B, L, A]; y [B, A]; v [A].
template <class T>
void attention_score_forward(T* e, const T* f, const T* y, const T* v, std::int64_t b, std::int64_t l, std::int64_t a);
// With t = tanh(f + y) and g[b, j, a] = de[b, j] v[a] (1 − t²):
//   df += g;  dy[b, a] += Σ_j g[b, j, a];  dv[a] += Σ_{b, j} de[b, j] t[b, j, a].
template <class T>
void attention_score_backward(T* df, T* dy, T* dv, const T* f, const T* y, const T* v, const T* de, std::int64_t b,
                              std::int64_t l, std::int64_t a);
}  // namespace s2s::cpu

namespace s2s::cuda {
void attention_score_forward(float* e, const float* f, const float* y, const float* v, std::int64_t b, std::int64_t l,
                             std::int64_t a);
void attention_score_backward(float* df, float* dy, float* dv, const float* f, const float* y, const float* v,
                              const float* de, std::int64_t b, std::int64_t l, std::int64_t a);
}  // namespace s2s::cuda
