#pragma once
// Owns: the two elementwise steps of sampled_softmax_loss (spec §7) that touch the logits after
// the gathers and GEMMs (embedding_gather, gemm), so the loss needs no host-built [B, S] tensors:
//   accidental hits: s[b, j] += −FLT_MAX where sampled[j] is one of row b's true labels
//   log-Q subtraction: logits −= log Q (the sampler's expected counts)
// Both are out-of-place and allow y == x. Their gradient with respect to x is the identity (a
// constant is added), so they need no backward kernel.
#include <cstdint>

namespace s2s::cpu {
// y [B, S] = x [B, S] + (−FLT_MAX if sampled[j] ∈ labels[b, 0 .. nt) else 0); sampled [S],
// labels [B, nt] (int32; no range check: a value only ever compares equal or not).
template <class T>
void mask_accidental_hits(T* y, const T* x, const std::int32_t* sampled, const std::int32_t* labels, std::int64_t b,
                          std::int64_t s, std::int64_t nt);
// y [R, C] = x [R, C] − log(q [C]), q broadcast over the rows (R = 1: elementwise).
template <class T> void subtract_log_q(T* y, const T* x, const T* q, std::int64_t rows, std::int64_t cols);
}  // namespace s2s::cpu

namespace s2s::cuda {
void mask_accidental_hits(float* y, const float* x, const std::int32_t* sampled, const std::int32_t* labels,
                          std::int64_t b, std::int64_t s, std::int64_t nt);
void subtract_log_q(float* y, const float* x, const float* q, std::int64_t rows, std::int64_t cols);
}  // namespace s2s::cuda
