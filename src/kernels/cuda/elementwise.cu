// Owns: the CUDA elementwise ops and their backward rules (mirrors src/kernels/cpu/elementwise.cpp,
// same formulas in float32, same NaN behaviour: relu and clip use the CPU's comparisons).
// Backward kernels accumulate into dx (elementwise.h). Each op is one functor run by a shared
// flat kernel (map_kernel): the functor is the kernel body, launch_map the launcher.
#include <initializer_list>

#include "launch.cuh"
#include "s2s/kernels/elementwise.h"

namespace s2s::cuda {
namespace {

// ---- kernels: one thread per element, grid-stride ------------------------------------------
// y[i] = f(i) for the "write" ops, y[i] += f(i) for the accumulating ones (the functor does it).
template <class F>
__global__ void map_kernel(F f, std::int64_t n) {
  S2S_GRID_STRIDE(i, n) f(i);
}

// y [R, C] = x [R, C] + bias [C]
__global__ void add_row_vector_kernel(float* y, const float* x, const float* bias, std::int64_t rows,
                                      std::int64_t cols) {
  S2S_GRID_STRIDE(i, rows * cols) y[i] = x[i] + bias[i % cols];
}

// y [B, L, C] = x [B, L, C] + v [B, C]
__global__ void add_broadcast_middle_kernel(float* y, const float* x, const float* v, std::int64_t b,
                                            std::int64_t l, std::int64_t c) {
  S2S_GRID_STRIDE(i, b * l * c) y[i] = x[i] + v[(i / (l * c)) * c + i % c];
}

__device__ inline float sigmoid(float v) {
  if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));  // split by sign: exp never overflows
  const float e = expf(v);
  return e / (1.0f + e);
}

// ---- launchers ---------------------------------------------------------------------------------
template <class F>
void launch_map(F f, std::int64_t n) {
  map_kernel<<<detail::flat_grid(n), detail::kBlock, 0, detail::stream()>>>(f, n);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_add_row_vector(float* y, const float* x, const float* bias, std::int64_t rows, std::int64_t cols) {
  add_row_vector_kernel<<<detail::flat_grid(rows * cols), detail::kBlock, 0, detail::stream()>>>(y, x, bias, rows, cols);
  S2S_CUDA_LAUNCH_CHECK();
}

void launch_add_broadcast_middle(float* y, const float* x, const float* v, std::int64_t b, std::int64_t l, std::int64_t c) {
  add_broadcast_middle_kernel<<<detail::flat_grid(b * l * c), detail::kBlock, 0, detail::stream()>>>(y, x, v, b, l, c);
  S2S_CUDA_LAUNCH_CHECK();
}

// ---- validation shared by the entries ------------------------------------------------------------
void check_flat(const char* op, std::int64_t n, std::initializer_list<const void*> ptrs) {
  detail::check_size(op, "n", n);
  for (const void* p : ptrs) detail::check_ptr(op, "an operand", p, n);
}

// ---- element functors (the bodies of map_kernel; file-local) ----------------------------------
struct Add { float* y; const float* a; const float* b; __device__ void operator()(std::int64_t i) const { y[i] = a[i] + b[i]; } };
struct Sub { float* y; const float* a; const float* b; __device__ void operator()(std::int64_t i) const { y[i] = a[i] - b[i]; } };
struct Mul { float* y; const float* a; const float* b; __device__ void operator()(std::int64_t i) const { y[i] = a[i] * b[i]; } };
struct Scale { float* y; const float* x; float alpha; __device__ void operator()(std::int64_t i) const { y[i] = alpha * x[i]; } };
struct Axpy { float* y; const float* x; float alpha; __device__ void operator()(std::int64_t i) const { y[i] += alpha * x[i]; } };
struct MulAcc { float* y; const float* a; const float* b; __device__ void operator()(std::int64_t i) const { y[i] += a[i] * b[i]; } };
struct SigmoidF { float* y; const float* x; __device__ void operator()(std::int64_t i) const { y[i] = sigmoid(x[i]); } };
struct SigmoidB {
  float* dx; const float* y; const float* dy;
  __device__ void operator()(std::int64_t i) const { dx[i] += dy[i] * y[i] * (1.0f - y[i]); }
};
struct TanhF { float* y; const float* x; __device__ void operator()(std::int64_t i) const { y[i] = tanhf(x[i]); } };
struct TanhB {
  float* dx; const float* y; const float* dy;
  __device__ void operator()(std::int64_t i) const { dx[i] += dy[i] * (1.0f - y[i] * y[i]); }
};
struct ReluF { float* y; const float* x; __device__ void operator()(std::int64_t i) const { y[i] = x[i] > 0.0f ? x[i] : 0.0f; } };
struct ReluB {
  float* dx; const float* y; const float* dy;
  __device__ void operator()(std::int64_t i) const { if (y[i] > 0.0f) dx[i] += dy[i]; }
};
// std::clamp's comparisons, so a NaN passes through as on the CPU.
struct ClipF {
  float* y; const float* x; float lo, hi;
  __device__ void operator()(std::int64_t i) const { const float v = x[i]; y[i] = v < lo ? lo : (hi < v ? hi : v); }
};
// TF's clip_by_value passes the gradient where lo <= x <= hi (boundaries included).
struct ClipB {
  float* dx; const float* x; const float* dy; float lo, hi;
  __device__ void operator()(std::int64_t i) const { if (x[i] >= lo && x[i] <= hi) dx[i] += dy[i]; }
};

// Validates a flat op and launches its functor (nothing to launch for n == 0).
template <class F>
void run_flat(const char* op, std::int64_t n, std::initializer_list<const void*> ptrs, F f) {
  check_flat(op, n, ptrs);
  if (n > 0) launch_map(f, n);
}

}  // namespace

// ---- public entries ----------------------------------------------------------------------------
void add(float* y, const float* a, const float* b, std::int64_t n) { run_flat("add", n, {y, a, b}, Add{y, a, b}); }
void sub(float* y, const float* a, const float* b, std::int64_t n) { run_flat("sub", n, {y, a, b}, Sub{y, a, b}); }
void mul(float* y, const float* a, const float* b, std::int64_t n) { run_flat("mul", n, {y, a, b}, Mul{y, a, b}); }
void scale(float* y, const float* x, float alpha, std::int64_t n) { run_flat("scale", n, {y, x}, Scale{y, x, alpha}); }
void axpy(float* y, const float* x, float alpha, std::int64_t n) { run_flat("axpy", n, {y, x}, Axpy{y, x, alpha}); }
void mul_acc(float* y, const float* a, const float* b, std::int64_t n) { run_flat("mul_acc", n, {y, a, b}, MulAcc{y, a, b}); }
void sigmoid_forward(float* y, const float* x, std::int64_t n) { run_flat("sigmoid_forward", n, {y, x}, SigmoidF{y, x}); }
void sigmoid_backward(float* dx, const float* y, const float* dy, std::int64_t n) {
  run_flat("sigmoid_backward", n, {dx, y, dy}, SigmoidB{dx, y, dy});
}
void tanh_forward(float* y, const float* x, std::int64_t n) { run_flat("tanh_forward", n, {y, x}, TanhF{y, x}); }
void tanh_backward(float* dx, const float* y, const float* dy, std::int64_t n) {
  run_flat("tanh_backward", n, {dx, y, dy}, TanhB{dx, y, dy});
}
void relu_forward(float* y, const float* x, std::int64_t n) { run_flat("relu_forward", n, {y, x}, ReluF{y, x}); }
void relu_backward(float* dx, const float* y, const float* dy, std::int64_t n) {
  run_flat("relu_backward", n, {dx, y, dy}, ReluB{dx, y, dy});
}

void clip_forward(float* y, const float* x, float lo, float hi, std::int64_t n) {
  S2S_CHECK(!(hi < lo), "clip_forward: lo = ", lo, " > hi = ", hi);
  run_flat("clip_forward", n, {y, x}, ClipF{y, x, lo, hi});
}

void clip_backward(float* dx, const float* x, const float* dy, float lo, float hi, std::int64_t n) {
  S2S_CHECK(!(hi < lo), "clip_backward: lo = ", lo, " > hi = ", hi);
  run_flat("clip_backward", n, {dx, x, dy}, ClipB{dx, x, dy, lo, hi});
}

void add_row_vector(float* y, const float* x, const float* bias, std::int64_t rows, std::int64_t cols) {
  detail::check_size("add_row_vector", "rows", rows);
  detail::check_size("add_row_vector", "cols", cols);
  detail::check_ptr("add_row_vector", "y", y, rows * cols);
  detail::check_ptr("add_row_vector", "x", x, rows * cols);
  detail::check_ptr("add_row_vector", "bias", bias, rows > 0 ? cols : 0);
  if (rows * cols == 0) return;
  launch_add_row_vector(y, x, bias, rows, cols);
}

void add_broadcast_middle(float* y, const float* x, const float* v, std::int64_t b, std::int64_t l, std::int64_t c) {
  detail::check_size("add_broadcast_middle", "b", b);
  detail::check_size("add_broadcast_middle", "l", l);
  detail::check_size("add_broadcast_middle", "c", c);
  detail::check_ptr("add_broadcast_middle", "y", y, b * l * c);
  detail::check_ptr("add_broadcast_middle", "x", x, b * l * c);
  detail::check_ptr("add_broadcast_middle", "v", v, l > 0 ? b * c : 0);
  if (b * l * c == 0) return;
  launch_add_broadcast_middle(y, x, v, b, l, c);
}

}  // namespace s2s::cuda
