#pragma once
// Owns: the Tensor-level entry points of every kernel. Each validates shapes, dtypes and devices,
// then dispatches to s2s::cpu::<op><T> (float32/float64) or s2s::cuda::<op> (float32). This file
// and its source are the only place where the backends meet (no #ifdef elsewhere).
// Naming and accumulation contract follow the kernel headers: *_backward functions add into dx.
#include <cstdint>
#include <vector>

#include "s2s/core/tensor.h"

namespace s2s::kern {

// C = alpha op(A) op(B) + beta C. 2-D operands, or 3-D for a batched product (batch first).
void gemm(Tensor& c, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double alpha,
          double beta);

void add(Tensor& y, const Tensor& a, const Tensor& b);
void sub(Tensor& y, const Tensor& a, const Tensor& b);
void mul(Tensor& y, const Tensor& a, const Tensor& b);
void scale(Tensor& y, const Tensor& x, double alpha);
void axpy(Tensor& y, const Tensor& x, double alpha);  // y += alpha x
void mul_acc(Tensor& y, const Tensor& a, const Tensor& b);  // y += a ⊙ b

enum class Activation { Sigmoid, Tanh, Relu };
void activation_forward(Activation f, Tensor& y, const Tensor& x);
void activation_backward(Activation f, Tensor& dx, const Tensor& y, const Tensor& dy);
void clip_forward(Tensor& y, const Tensor& x, double lo, double hi);
void clip_backward(Tensor& dx, const Tensor& x, const Tensor& dy, double lo, double hi);

void add_row_vector(Tensor& y, const Tensor& x, const Tensor& bias);          // [R, C] + [C]
void add_broadcast_middle(Tensor& y, const Tensor& x, const Tensor& v);       // [B, L, C] + [B, C]
void sum_rows(Tensor& y, const Tensor& x, bool accumulate);                   // [R, C] -> [C]
void sum_middle(Tensor& y, const Tensor& x);                                  // [B, L, C] -> += [B, C]

void softmax_rows(Tensor& y, const Tensor& x);
void softmax_rows_backward(Tensor& dx, const Tensor& y, const Tensor& dy);
void log_softmax_rows(Tensor& y, const Tensor& x);
void log_softmax_rows_backward(Tensor& dx, const Tensor& y, const Tensor& dy);
void softmax_xent_forward(Tensor& loss, const Tensor& logits, const Tensor& labels);
void softmax_xent_backward(Tensor& dlogits, const Tensor& logits, const Tensor& labels,
                           const Tensor& dloss);

void embedding_gather(Tensor& out, const Tensor& table, const Tensor& ids);   // ids int32 [N]
void embedding_scatter_add(Tensor& dtable, const Tensor& dout, const Tensor& ids);

// dst[:, dst_col : dst_col + width] (=|+=) src[:, src_col : src_col + width] on 2-D tensors.
void copy_columns(Tensor& dst, std::int64_t dst_col, const Tensor& src, std::int64_t src_col,
                  std::int64_t width, bool accumulate);

double sum(const Tensor& x);          // host result (synchronises on CUDA)
double sum_squares(const Tensor& x);
void argmax_rows(Tensor& idx, const Tensor& x);  // idx int32 [R]

}  // namespace s2s::kern
