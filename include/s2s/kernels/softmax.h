#pragma once
// Owns: row-wise softmax, log-softmax and softmax cross-entropy with integer labels, with their
// backward rules. Rows are the leading `rows` slices of length `cols` (B x V logits, B x L
// attention scores). Backward kernels accumulate into dx (see elementwise.h).
#include <cstdint>

namespace s2s::cpu {
template <class T> void softmax_rows(T* y, const T* x, std::int64_t rows, std::int64_t cols);
// dx += y ⊙ (dy − Σ_j dy_j y_j), per row.
template <class T> void softmax_rows_backward(T* dx, const T* y, const T* dy, std::int64_t rows, std::int64_t cols);
template <class T> void log_softmax_rows(T* y, const T* x, std::int64_t rows, std::int64_t cols);
// dx += dy − softmax(x) Σ_j dy_j, where y = log_softmax(x).
template <class T> void log_softmax_rows_backward(T* dx, const T* y, const T* dy, std::int64_t rows, std::int64_t cols);
// loss[r] = logsumexp(x[r, :]) − x[r, label[r]]. Labels outside [0, cols) throw s2s::Error.
template <class T> void softmax_xent_forward(T* loss, const T* x, const std::int32_t* labels, std::int64_t rows, std::int64_t cols);
// dx[r, :] += dloss[r] · (softmax(x[r, :]) − onehot(label[r])).
template <class T> void softmax_xent_backward(T* dx, const T* x, const std::int32_t* labels, const T* dloss, std::int64_t rows, std::int64_t cols);
}  // namespace s2s::cpu

namespace s2s::cuda {
void softmax_rows(float* y, const float* x, std::int64_t rows, std::int64_t cols);
void softmax_rows_backward(float* dx, const float* y, const float* dy, std::int64_t rows, std::int64_t cols);
void log_softmax_rows(float* y, const float* x, std::int64_t rows, std::int64_t cols);
void log_softmax_rows_backward(float* dx, const float* y, const float* dy, std::int64_t rows, std::int64_t cols);
void softmax_xent_forward(float* loss, const float* x, const std::int32_t* labels, std::int64_t rows, std::int64_t cols);
void softmax_xent_backward(float* dx, const float* x, const std::int32_t* labels, const float* dloss, std::int64_t rows, std::int64_t cols);
}  // namespace s2s::cuda
