// Owns: the op registry table (op_registry.h). Adding a kernel op means adding one S2S_OP line
// here; with CUDA built the line does not link until the CUDA twin exists.
#include "s2s/kernels/op_registry.h"

#include "s2s/kernels/arith.h"
#include "s2s/kernels/attention.h"
#include "s2s/kernels/clip.h"
#include "s2s/kernels/columns.h"
#include "s2s/kernels/dropout.h"
#include "s2s/kernels/elementwise.h"
#include "s2s/kernels/embedding.h"
#include "s2s/kernels/fill.h"
#include "s2s/kernels/gemm.h"
#include "s2s/kernels/mask.h"
#include "s2s/kernels/optimizer.h"
#include "s2s/kernels/reduce.h"
#include "s2s/kernels/rnn_cell.h"
#include "s2s/kernels/sampled_softmax.h"
#include "s2s/kernels/softmax.h"
#include "s2s/kernels/sparse_rows.h"

namespace s2s::kern {
namespace {

template <class F>
constexpr AnyFn erase(F* f) {
  return reinterpret_cast<AnyFn>(f);
}

#ifdef S2S_WITH_CUDA
#define S2S_CUDA_TWIN(NAME) erase(&::s2s::cuda::NAME)
constexpr bool kCudaBuilt = true;
#else
#define S2S_CUDA_TWIN(NAME) nullptr
constexpr bool kCudaBuilt = false;
#endif

#define S2S_OP(FAMILY, NAME) \
  OpEntry{#FAMILY, #NAME, erase(&::s2s::cpu::NAME<float>), erase(&::s2s::cpu::NAME<double>), S2S_CUDA_TWIN(NAME)}

const OpEntry kOps[] = {
    S2S_OP(gemm, gemm),
    S2S_OP(gemm, gemm_batched),
    S2S_OP(elementwise, add),
    S2S_OP(elementwise, sub),
    S2S_OP(elementwise, mul),
    S2S_OP(elementwise, scale),
    S2S_OP(elementwise, axpy),
    S2S_OP(elementwise, mul_acc),
    S2S_OP(elementwise, sigmoid_forward),
    S2S_OP(elementwise, sigmoid_backward),
    S2S_OP(elementwise, tanh_forward),
    S2S_OP(elementwise, tanh_backward),
    S2S_OP(elementwise, relu_forward),
    S2S_OP(elementwise, relu_backward),
    S2S_OP(elementwise, clip_forward),
    S2S_OP(elementwise, clip_backward),
    S2S_OP(elementwise, add_row_vector),
    S2S_OP(elementwise, add_broadcast_middle),
    S2S_OP(softmax, softmax_rows),
    S2S_OP(softmax, softmax_rows_backward),
    S2S_OP(softmax, log_softmax_rows),
    S2S_OP(softmax, log_softmax_rows_backward),
    S2S_OP(softmax, softmax_xent_forward),
    S2S_OP(softmax, softmax_xent_backward),
    S2S_OP(embedding, embedding_gather),
    S2S_OP(embedding, embedding_scatter_add),
    S2S_OP(columns, copy_columns),
    S2S_OP(reduce, sum),
    S2S_OP(reduce, sum_squares),
    S2S_OP(reduce, sum_rows),
    S2S_OP(reduce, sum_middle),
    S2S_OP(reduce, argmax_rows),
    S2S_OP(reduce, global_sum_squares),
    S2S_OP(arith, div),
    S2S_OP(arith, div_backward),
    S2S_OP(arith, transpose),
    S2S_OP(rnn_cell, gru_gates_forward),
    S2S_OP(rnn_cell, gru_gates_backward),
    S2S_OP(rnn_cell, gru_output_forward),
    S2S_OP(rnn_cell, gru_output_backward),
    S2S_OP(rnn_cell, lstm_cell_forward),
    S2S_OP(rnn_cell, lstm_cell_backward),
    S2S_OP(attention, attention_score_forward),
    S2S_OP(attention, attention_score_backward),
    S2S_OP(sampled_softmax, mask_accidental_hits),
    S2S_OP(sampled_softmax, subtract_log_q),
    S2S_OP(optimizer, sgd_update),
    S2S_OP(optimizer, momentum_update),
    S2S_OP(optimizer, adam_update),
    S2S_OP(clip, scale_by_global_norm),
    S2S_OP(dropout, dropout_mask),
    S2S_OP(fill, fill),
    S2S_OP(mask, padding_mask),
    S2S_OP(sparse_rows, coalesce_rows),
    S2S_OP(sparse_rows, sparse_sgd_update),
    S2S_OP(sparse_rows, sparse_momentum_update),
};

#undef S2S_OP
#undef S2S_CUDA_TWIN

}  // namespace

std::span<const OpEntry> op_registry() { return kOps; }

const OpEntry* find_op(std::string_view name) {
  for (const OpEntry& op : kOps)
    if (op.name == name) return &op;
  return nullptr;
}

bool cuda_backend_built() { return kCudaBuilt; }

}  // namespace s2s::kern
