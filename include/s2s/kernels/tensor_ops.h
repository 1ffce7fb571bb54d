#pragma once
// Owns: the Tensor-level entry points of every kernel. Each validates shapes, dtypes and devices,
// then dispatches to s2s::cpu::<op><T> (float32/float64) or s2s::cuda::<op> (float32). The
// original families are implemented in src/kernels/tensor_ops.cpp, later ones in
// src/kernels/<family>_dispatch.cpp; all go through src/kernels/dispatch.h, the only place where
// the backends meet (no #ifdef elsewhere).
// Naming and accumulation contract follow the kernel headers: *_backward functions add into dx.
#include <cstdint>
#include <span>
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
// True if every element is finite (a scan on the CPU; through sum_squares on other devices).
bool all_finite(const Tensor& x);
void argmax_rows(Tensor& idx, const Tensor& x);  // idx int32 [R]

// ---- reductions into device memory (reduce_dispatch.cpp) -----------------------------------------
// out (one element, the operands' dtype and device) = Σ x; no host round trip on CUDA.
void sum_to(Tensor& out, const Tensor& x);
// out (one element, the operands' dtype and device) = Σ_i ||xs_i||² (the global gradient norm²).
void global_sum_squares(Tensor& out, std::span<const Tensor> xs);
// The same as a host double (CPU: accumulated in double; CUDA: one synchronising read).
double global_sum_squares(std::span<const Tensor> xs);

// ---- arith (arith_dispatch.cpp) ------------------------------------------------------------------
void div(Tensor& y, const Tensor& a, const Tensor& b);
// With y = a / b: *da += dy / b, *db += −dy y / b; a null or undefined output is skipped.
void div_backward(Tensor* da, Tensor* db, const Tensor& b, const Tensor& y, const Tensor& dy);
void transpose(Tensor& y, const Tensor& x, bool accumulate);  // [R, C] -> [C, R]

// ---- fused cell steps (rnn_cell_dispatch.cpp; formulas in kernels/rnn_cell.h) --------------------
// B rows, n units. Gradient outputs are pointers: null or undefined means not wanted.
void gru_gates_forward(Tensor& ru, Tensor& rh, const Tensor& zg, const Tensor& h);
void gru_gates_backward(Tensor* dzg, Tensor* dh, const Tensor& ru, const Tensor& h, const Tensor& drh);
void gru_output_forward(Tensor& h_new, Tensor& c, const Tensor& zc, const Tensor& ru, const Tensor& h);
void gru_output_backward(Tensor* dzg, Tensor* dzc, Tensor* dh, const Tensor& ru, const Tensor& c, const Tensor& h,
                         const Tensor& dh_new);
void lstm_cell_forward(Tensor& c_new, Tensor& h_new, Tensor& acts, const Tensor& z, const Tensor& c,
                       double forget_bias);
// dh_new / dc_new: null or undefined counts as zero.
void lstm_cell_backward(Tensor* dz, Tensor* dc, const Tensor& acts, const Tensor& c, const Tensor& c_new,
                        const Tensor* dh_new, const Tensor* dc_new);

// ---- attention score (attention_dispatch.cpp): f [B, L, A], y [B, A], v [A] -> e [B, L] ---------
void attention_score_forward(Tensor& e, const Tensor& f, const Tensor& y, const Tensor& v);
void attention_score_backward(Tensor* df, Tensor* dy, Tensor* dv, const Tensor& f, const Tensor& y, const Tensor& v,
                              const Tensor& de);

// ---- sampled-softmax logits (sampled_softmax_dispatch.cpp) ---------------------------------------
// y [B, S] = x + (−FLT_MAX where sampled[j] is a label of row b); sampled int32 [S], labels int32
// [B, num_true] (or [B]), both on the logits' device. y may be x.
void mask_accidental_hits(Tensor& y, const Tensor& x, const Tensor& sampled, const Tensor& labels);
// y = x − log q: q with x's element count (elementwise) or with its last dimension (broadcast over
// rows). y may be x.
void subtract_log_q(Tensor& y, const Tensor& x, const Tensor& q);

// ---- optimizer updates (optimizer_dispatch.cpp; rules in kernels/optimizer.h) --------------------
// Same dtype, device and element count for every tensor; scalars converted to the dtype first.
void sgd_update(Tensor& var, const Tensor& grad, double lr);
void momentum_update(Tensor& var, Tensor& accum, const Tensor& grad, double lr, double momentum);
void adam_update(Tensor& var, Tensor& m, Tensor& v, const Tensor& grad, double beta1_power, double beta2_power,
                 double lr, double beta1, double beta2, double epsilon);

}  // namespace s2s::kern
