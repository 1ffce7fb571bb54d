#pragma once
// Owns: the differentiable ops, each a forward kernel call plus a recorded backward rule.
// Shapes use the legend B batch, T time, E embedding, H hidden, A attention, V vocabulary.
// Every op works on float32 and float64, on the CPU and (float32) CUDA backends.
#include <cstdint>
#include <vector>

#include "s2s/autograd/var.h"

namespace s2s::ag {

// op(a) @ op(b); 2-D [m, k] @ [k, n], or 3-D batched [N, m, k] @ [N, k, n].
Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);
Var add(const Var& a, const Var& b);                 // same shape
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);                 // elementwise
Var scale(const Var& x, double alpha);               // alpha x
Var add_scalar(const Var& x, double c);              // x + c
Var sigmoid(const Var& x);
Var tanh(const Var& x);
Var relu(const Var& x);
Var clip(const Var& x, double lo, double hi);        // gradient passes where lo <= x <= hi
Var add_bias(const Var& x, const Var& bias);         // [R, C] + [C]
Var add_broadcast_middle(const Var& x, const Var& v);  // [B, L, C] + [B, C]
Var concat(const std::vector<Var>& parts);           // 2-D parts [R, c_i] -> [R, Σc_i]
Var slice_columns(const Var& x, std::int64_t begin, std::int64_t width);  // [R, C] -> [R, width]
std::vector<Var> split(const Var& x, const std::vector<std::int64_t>& widths);
Var reshape(const Var& x, const Shape& shape);
Var embedding_lookup(const Var& table, const Tensor& ids);  // [V, E], int32 ids [N] -> [N, E]
Var softmax(const Var& x);                           // over the last axis
Var log_softmax(const Var& x);
Var softmax_cross_entropy(const Var& logits, const Tensor& labels);  // [R, V], int32 [R] -> [R]
Var sum(const Var& x);                               // all elements -> shape []
Var row_sum(const Var& x);                           // [R, C] -> [R]
Var stop_gradient(const Var& x);                     // same value, no gradient flows back

}  // namespace s2s::ag
