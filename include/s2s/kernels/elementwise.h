#pragma once
// Owns: elementwise ops and their backward rules, on flat arrays of n elements.
// Contract (shared by every backward in s2s): backward kernels ACCUMULATE into the input gradient
// (dx += ...), so the tape can sum fan-out without extra buffers.
#include <cstdint>

namespace s2s::cpu {
template <class T> void add(T* y, const T* a, const T* b, std::int64_t n);          // y = a + b
template <class T> void sub(T* y, const T* a, const T* b, std::int64_t n);          // y = a - b
template <class T> void mul(T* y, const T* a, const T* b, std::int64_t n);          // y = a * b
template <class T> void scale(T* y, const T* x, T alpha, std::int64_t n);           // y = alpha x
template <class T> void axpy(T* y, const T* x, T alpha, std::int64_t n);            // y += alpha x
template <class T> void mul_acc(T* y, const T* a, const T* b, std::int64_t n);      // y += a * b
template <class T> void sigmoid_forward(T* y, const T* x, std::int64_t n);
template <class T> void sigmoid_backward(T* dx, const T* y, const T* dy, std::int64_t n);  // dx += dy y (1-y)
template <class T> void tanh_forward(T* y, const T* x, std::int64_t n);
template <class T> void tanh_backward(T* dx, const T* y, const T* dy, std::int64_t n);     // dx += dy (1-y^2)
template <class T> void relu_forward(T* y, const T* x, std::int64_t n);
template <class T> void relu_backward(T* dx, const T* y, const T* dy, std::int64_t n);     // dx += dy [y>0]
template <class T> void clip_forward(T* y, const T* x, T lo, T hi, std::int64_t n);
template <class T> void clip_backward(T* dx, const T* x, const T* dy, T lo, T hi, std::int64_t n);  // inside [lo, hi]
// Broadcast over rows: y[r, c] = x[r, c] + bias[c] for r < rows, c < cols.
template <class T> void add_row_vector(T* y, const T* x, const T* bias, std::int64_t rows, std::int64_t cols);
// y[b, l, c] = x[b, l, c] + v[b, c]: a [B, C] tensor broadcast over the middle axis of [B, L, C].
template <class T> void add_broadcast_middle(T* y, const T* x, const T* v, std::int64_t b, std::int64_t l, std::int64_t c);
}  // namespace s2s::cpu

namespace s2s::cuda {
void add(float* y, const float* a, const float* b, std::int64_t n);
void sub(float* y, const float* a, const float* b, std::int64_t n);
void mul(float* y, const float* a, const float* b, std::int64_t n);
void scale(float* y, const float* x, float alpha, std::int64_t n);
void axpy(float* y, const float* x, float alpha, std::int64_t n);
void mul_acc(float* y, const float* a, const float* b, std::int64_t n);
void sigmoid_forward(float* y, const float* x, std::int64_t n);
void sigmoid_backward(float* dx, const float* y, const float* dy, std::int64_t n);
void tanh_forward(float* y, const float* x, std::int64_t n);
void tanh_backward(float* dx, const float* y, const float* dy, std::int64_t n);
void relu_forward(float* y, const float* x, std::int64_t n);
void relu_backward(float* dx, const float* y, const float* dy, std::int64_t n);
void clip_forward(float* y, const float* x, float lo, float hi, std::int64_t n);
void clip_backward(float* dx, const float* x, const float* dy, float lo, float hi, std::int64_t n);
void add_row_vector(float* y, const float* x, const float* bias, std::int64_t rows, std::int64_t cols);
void add_broadcast_middle(float* y, const float* x, const float* v, std::int64_t b, std::int64_t l, std::int64_t c);
}  // namespace s2s::cuda
