#pragma once
// Owns: the kernels of autograd/arith_ops.h: elementwise division (sequence_loss's weight
// normalisation, spec §5) with its backward, and the 2-D transpose (sampled-softmax weights from an
// output_projection pair), so neither op round-trips through the host on a CUDA tensor.
#include <cstdint>

namespace s2s::cpu {
template <class T> void div(T* y, const T* a, const T* b, std::int64_t n);  // y = a / b
// With y = a / b: da += dy / b; db += (−dy · y) / b (the unfused rule's order). da or db may be null.
template <class T> void div_backward(T* da, T* db, const T* b, const T* y, const T* dy, std::int64_t n);
// y [C, R] (=|+=) x [R, C]ᵀ.
template <class T> void transpose(T* y, const T* x, std::int64_t rows, std::int64_t cols, bool accumulate);
}  // namespace s2s::cpu

namespace s2s::cuda {
void div(float* y, const float* a, const float* b, std::int64_t n);
void div_backward(float* da, float* db, const float* b, const float* y, const float* dy, std::int64_t n);
void transpose(float* y, const float* x, std::int64_t rows, std::int64_t cols, bool accumulate);
}  // namespace s2s::cuda
