#pragma once
// Owns: reductions. Sums accumulate in double on the CPU (float inputs too) so the reference is
// as exact as it can be; argmax returns the FIRST maximal index (spec §11.4).
#include <cstdint>

namespace s2s::cpu {
template <class T> double sum(const T* x, std::int64_t n);
template <class T> double sum_squares(const T* x, std::int64_t n);
// y[c] (=|+=) Σ_r x[r, c]: the bias gradient of a row-broadcast add.
template <class T> void sum_rows(T* y, const T* x, std::int64_t rows, std::int64_t cols, bool accumulate);
// y[b, c] += Σ_l x[b, l, c]: backward of add_broadcast_middle for the broadcast operand.
template <class T> void sum_middle(T* y, const T* x, std::int64_t b, std::int64_t l, std::int64_t c);
template <class T> void argmax_rows(std::int32_t* idx, const T* x, std::int64_t rows, std::int64_t cols);
// Σ_i Σ_k xs[i][k]² over `count` arrays of ns[i] elements each (the global gradient norm²), in
// double, arrays in order. xs and ns are host arrays (of device pointers for the CUDA twin).
template <class T> double global_sum_squares(const T* const* xs, const std::int64_t* ns, std::int64_t count);
}  // namespace s2s::cpu

namespace s2s::cuda {
// Device results are written to device memory (one element), so a step needs no host round trip.
void sum(float* out, const float* x, std::int64_t n);
void sum_squares(float* out, const float* x, std::int64_t n);
void sum_rows(float* y, const float* x, std::int64_t rows, std::int64_t cols, bool accumulate);
void sum_middle(float* y, const float* x, std::int64_t b, std::int64_t l, std::int64_t c);
void argmax_rows(std::int32_t* idx, const float* x, std::int64_t rows, std::int64_t cols);
// One pass-1 launch per array into one partials buffer, one final block over all of them: a
// single float result in device memory, no host round trip, same tree on every run.
void global_sum_squares(float* out, const float* const* xs, const std::int64_t* ns, std::int64_t count);
}  // namespace s2s::cuda
