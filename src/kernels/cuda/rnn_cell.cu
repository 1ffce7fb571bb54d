// Owns: the CUDA fused GRU/LSTM cell steps (mirrors src/kernels/cpu/rnn_cell.cpp, same formulas in
// float32). One thread per (row, unit): each reads its gate columns of the row (coalesced along the
// units) and writes its outputs once. Backward kernels accumulate; null gradient outputs are
// skipped (rnn_cell.h). No reductions, so every result is deterministic.
#include <initializer_list>

#include "launch.cuh"
#include "s2s/kernels/rnn_cell.h"

namespace s2s::cuda {
namespace {

__device__ inline float sigmoid(float v) {  // elementwise.cu's: split by sign
  if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
  const float e = expf(v);
  return e / (1.0f + e);
}

// ---- kernels: t = row * n + unit over [0, B n) ---------------------------------------------------
// ru [B, 2n], rh [B, n], zg [B, 2n], h [B, n]
__global__ void gru_gates_forward_kernel(float* ru, float* rh, const float* zg, const float* h, std::int64_t b,
                                         std::int64_t n) {
  S2S_GRID_STRIDE(t, b * n) {
    const std::int64_t g = (t / n) * 2 * n + t % n;
    const float r = sigmoid(zg[g]);
    ru[g] = r;
    ru[g + n] = sigmoid(zg[g + n]);
    rh[t] = r * h[t];
  }
}

// dzg [B, 2n] (r half), dh [B, n]; ru [B, 2n], h, drh [B, n]
__global__ void gru_gates_backward_kernel(float* dzg, float* dh, const float* ru, const float* h, const float* drh,
                                          std::int64_t b, std::int64_t n) {
  S2S_GRID_STRIDE(t, b * n) {
    const std::int64_t g = (t / n) * 2 * n + t % n;
    const float r = ru[g], d = drh[t];
    if (dzg) dzg[g] += d * h[t] * r * (1.0f - r);
    if (dh) dh[t] += d * r;
  }
}

// h_new, c, zc, h [B, n]; ru [B, 2n] (u half read)
__global__ void gru_output_forward_kernel(float* h_new, float* c, const float* zc, const float* ru, const float* h,
                                          std::int64_t b, std::int64_t n) {
  S2S_GRID_STRIDE(t, b * n) {
    const float u = ru[(t / n) * 2 * n + n + t % n];
    const float cv = tanhf(zc[t]);
    c[t] = cv;
    h_new[t] = u * h[t] + (1.0f - u) * cv;
  }
}

// dzg [B, 2n] (u half), dzc, dh [B, n]; ru [B, 2n]; c, h, dh_new [B, n]
__global__ void gru_output_backward_kernel(float* dzg, float* dzc, float* dh, const float* ru, const float* c,
                                           const float* h, const float* dh_new, std::int64_t b, std::int64_t n) {
  S2S_GRID_STRIDE(t, b * n) {
    const std::int64_t g = (t / n) * 2 * n + n + t % n;
    const float u = ru[g], d = dh_new[t], cv = c[t];
    if (dzg) dzg[g] += d * (h[t] - cv) * u * (1.0f - u);
    if (dzc) dzc[t] += d * (1.0f - u) * (1.0f - cv * cv);
    if (dh) dh[t] += d * u;
  }
}

// c_new, h_new, c [B, n]; acts, z [B, 4n]
__global__ void lstm_cell_forward_kernel(float* c_new, float* h_new, float* acts, const float* z, const float* c,
                                         float forget_bias, std::int64_t b, std::int64_t n) {
  S2S_GRID_STRIDE(t, b * n) {
    const std::int64_t g = (t / n) * 4 * n + t % n;
    const float si = sigmoid(z[g]), tj = tanhf(z[g + n]), sf = sigmoid(z[g + 2 * n] + forget_bias),
                so = sigmoid(z[g + 3 * n]);
    acts[g] = si;
    acts[g + n] = tj;
    acts[g + 2 * n] = sf;
    acts[g + 3 * n] = so;
    const float cv = c[t] * sf + si * tj;
    c_new[t] = cv;
    h_new[t] = tanhf(cv) * so;
  }
}

// dz [B, 4n], dc [B, n]; acts [B, 4n]; c, c_new, dh_new, dc_new [B, n]
__global__ void lstm_cell_backward_kernel(float* dz, float* dc, const float* acts, const float* c, const float* c_new,
                                          const float* dh_new, const float* dc_new, std::int64_t b, std::int64_t n) {
  S2S_GRID_STRIDE(t, b * n) {
    const std::int64_t g = (t / n) * 4 * n + t % n;
    const float si = acts[g], tj = acts[g + n], sf = acts[g + 2 * n], so = acts[g + 3 * n];
    const float tc = tanhf(c_new[t]);
    const float dh = dh_new ? dh_new[t] : 0.0f;
    const float dct = (dc_new ? dc_new[t] : 0.0f) + dh * so * (1.0f - tc * tc);
    if (dz) {
      dz[g] += dct * tj * si * (1.0f - si);
      dz[g + n] += dct * si * (1.0f - tj * tj);
      dz[g + 2 * n] += dct * c[t] * sf * (1.0f - sf);
      dz[g + 3 * n] += dh * tc * so * (1.0f - so);
    }
    if (dc) dc[t] += dct * sf;
  }
}

// ---- launchers -----------------------------------------------------------------------------------
#define S2S_LAUNCH_ROWS_UNITS(KERNEL, ...)                                                          \
  do {                                                                                              \
    KERNEL<<<detail::flat_grid(b * n), detail::kBlock, 0, detail::stream()>>>(__VA_ARGS__, b, n);   \
    S2S_CUDA_LAUNCH_CHECK();                                                                        \
  } while (0)

void launch_gru_gates_forward(float* ru, float* rh, const float* zg, const float* h, std::int64_t b, std::int64_t n) {
  S2S_LAUNCH_ROWS_UNITS(gru_gates_forward_kernel, ru, rh, zg, h);
}
void launch_gru_gates_backward(float* dzg, float* dh, const float* ru, const float* h, const float* drh, std::int64_t b,
                               std::int64_t n) {
  S2S_LAUNCH_ROWS_UNITS(gru_gates_backward_kernel, dzg, dh, ru, h, drh);
}
void launch_gru_output_forward(float* h_new, float* c, const float* zc, const float* ru, const float* h, std::int64_t b,
                               std::int64_t n) {
  S2S_LAUNCH_ROWS_UNITS(gru_output_forward_kernel, h_new, c, zc, ru, h);
}
void launch_gru_output_backward(float* dzg, float* dzc, float* dh, const float* ru, const float* c, const float* h,
                                const float* dh_new, std::int64_t b, std::int64_t n) {
  S2S_LAUNCH_ROWS_UNITS(gru_output_backward_kernel, dzg, dzc, dh, ru, c, h, dh_new);
}
void launch_lstm_cell_forward(float* c_new, float* h_new, float* acts, const float* z, const float* c, float fb,
                              std::int64_t b, std::int64_t n) {
  S2S_LAUNCH_ROWS_UNITS(lstm_cell_forward_kernel, c_new, h_new, acts, z, c, fb);
}
void launch_lstm_cell_backward(float* dz, float* dc, const float* acts, const float* c, const float* c_new,
                               const float* dh_new, const float* dc_new, std::int64_t b, std::int64_t n) {
  S2S_LAUNCH_ROWS_UNITS(lstm_cell_backward_kernel, dz, dc, acts, c, c_new, dh_new, dc_new);
}
#undef S2S_LAUNCH_ROWS_UNITS

// ---- validation: sizes >= 0, required operands non-null; false when there is nothing to do ------
struct Operand {
  const char* what;
  const void* p;
  int width;  // in units of n per row: 1, 2 or 4
};
bool check_cell(const char* op, std::int64_t b, std::int64_t n, std::initializer_list<Operand> required) {
  detail::check_size(op, "b", b);
  detail::check_size(op, "n", n);
  for (const Operand& o : required) detail::check_ptr(op, o.what, o.p, b * n * o.width);
  return b * n > 0;
}

}  // namespace

// ---- public entries ------------------------------------------------------------------------------
void gru_gates_forward(float* ru, float* rh, const float* zg, const float* h, std::int64_t b, std::int64_t n) {
  if (check_cell("gru_gates_forward", b, n, {{"ru", ru, 2}, {"rh", rh, 1}, {"zg", zg, 2}, {"h", h, 1}}))
    launch_gru_gates_forward(ru, rh, zg, h, b, n);
}

void gru_gates_backward(float* dzg, float* dh, const float* ru, const float* h, const float* drh, std::int64_t b,
                        std::int64_t n) {
  if (check_cell("gru_gates_backward", b, n, {{"ru", ru, 2}, {"h", h, 1}, {"drh", drh, 1}}) && (dzg || dh))
    launch_gru_gates_backward(dzg, dh, ru, h, drh, b, n);
}

void gru_output_forward(float* h_new, float* c, const float* zc, const float* ru, const float* h, std::int64_t b,
                        std::int64_t n) {
  if (check_cell("gru_output_forward", b, n, {{"h_new", h_new, 1}, {"c", c, 1}, {"zc", zc, 1}, {"ru", ru, 2}, {"h", h, 1}}))
    launch_gru_output_forward(h_new, c, zc, ru, h, b, n);
}

void gru_output_backward(float* dzg, float* dzc, float* dh, const float* ru, const float* c, const float* h,
                         const float* dh_new, std::int64_t b, std::int64_t n) {
  if (check_cell("gru_output_backward", b, n, {{"ru", ru, 2}, {"c", c, 1}, {"h", h, 1}, {"dh_new", dh_new, 1}}) &&
      (dzg || dzc || dh))
    launch_gru_output_backward(dzg, dzc, dh, ru, c, h, dh_new, b, n);
}

void lstm_cell_forward(float* c_new, float* h_new, float* acts, const float* z, const float* c, float forget_bias,
                       std::int64_t b, std::int64_t n) {
  if (check_cell("lstm_cell_forward", b, n,
                 {{"c_new", c_new, 1}, {"h_new", h_new, 1}, {"acts", acts, 4}, {"z", z, 4}, {"c", c, 1}}))
    launch_lstm_cell_forward(c_new, h_new, acts, z, c, forget_bias, b, n);
}

void lstm_cell_backward(float* dz, float* dc, const float* acts, const float* c, const float* c_new, const float* dh_new,
                        const float* dc_new, std::int64_t b, std::int64_t n) {
  if (check_cell("lstm_cell_backward", b, n, {{"acts", acts, 4}, {"c", c, 1}, {"c_new", c_new, 1}}) && (dz || dc))
    launch_lstm_cell_backward(dz, dc, acts, c, c_new, dh_new, dc_new, b, n);
}

}  // namespace s2s::cuda
