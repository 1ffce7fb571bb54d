// Owns: CPU reference kernels of the fused GRU/LSTM cell steps (plain loops; float and double).
// The forward arithmetic is the unfused graph's, op for op (see rnn_cell.h): sigmoid and tanh are
// elementwise.cpp's (fast_math.h: vectorised for float32, libm for float64), so the fused and
// unfused cells give the same bits.
#include "s2s/kernels/rnn_cell.h"

#include <algorithm>

#include "cpu_clones.h"
#include "fast_math.h"

namespace s2s::cpu {

template <class T> S2S_CPU_CLONES void gru_gates_forward(T* ru, T* rh, const T* zg, const T* h, std::int64_t b, std::int64_t n) {
  for (std::int64_t i = 0; i < b * 2 * n; ++i) ru[i] = vmath::sigmoid(zg[i]);
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) rh[r * n + j] = ru[r * 2 * n + j] * h[r * n + j];
}

template <class T>
S2S_CPU_CLONES void gru_gates_backward(T* dzg, T* dh, const T* ru, const T* h, const T* drh, std::int64_t b, std::int64_t n) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t k = r * n + j;
      const T g = ru[r * 2 * n + j], d = drh[k];
      if (dzg) dzg[r * 2 * n + j] += d * h[k] * g * (T(1) - g);
      if (dh) dh[k] += d * g;
    }
}

template <class T>
S2S_CPU_CLONES void gru_output_forward(T* h_new, T* c, const T* zc, const T* ru, const T* h, std::int64_t b, std::int64_t n) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t k = r * n + j;
      const T u = ru[r * 2 * n + n + j];
      c[k] = vmath::tanh(zc[k]);
      h_new[k] = u * h[k] + (T(1) - u) * c[k];
    }
}

template <class T>
S2S_CPU_CLONES void gru_output_backward(T* dzg, T* dzc, T* dh, const T* ru, const T* c, const T* h, const T* dh_new, std::int64_t b,
                         std::int64_t n) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t k = r * n + j;
      const T u = ru[r * 2 * n + n + j], d = dh_new[k];
      if (dzg) dzg[r * 2 * n + n + j] += d * (h[k] - c[k]) * u * (T(1) - u);
      if (dzc) dzc[k] += d * (T(1) - u) * (T(1) - c[k] * c[k]);
      if (dh) dh[k] += d * u;
    }
}

// One loop per gate (rather than one loop over j doing all four): a loop touching the four gate
// slices of z and acts plus c, c_new and h_new needs more runtime alias checks than GCC versions a
// loop for, and stays scalar. Same formula per element either way.
template <class T>
S2S_CPU_CLONES void lstm_cell_forward(T* c_new, T* h_new, T* acts, const T* z, const T* c, T forget_bias, std::int64_t b,
                       std::int64_t n) {
  for (std::int64_t r = 0; r < b; ++r) {
    const T* zr = z + r * 4 * n;  // [4n]: i, j, f, o
    T* ar = acts + r * 4 * n;
    for (std::int64_t j = 0; j < n; ++j) ar[j] = vmath::sigmoid(zr[j]);
    for (std::int64_t j = 0; j < n; ++j) ar[n + j] = vmath::tanh(zr[n + j]);
    for (std::int64_t j = 0; j < n; ++j) ar[2 * n + j] = vmath::sigmoid(zr[2 * n + j] + forget_bias);
    for (std::int64_t j = 0; j < n; ++j) ar[3 * n + j] = vmath::sigmoid(zr[3 * n + j]);
    for (std::int64_t j = 0; j < n; ++j) c_new[r * n + j] = c[r * n + j] * ar[2 * n + j] + ar[j] * ar[n + j];
    for (std::int64_t j = 0; j < n; ++j) h_new[r * n + j] = vmath::tanh(c_new[r * n + j]) * ar[3 * n + j];
  }
}

template <class T>
S2S_CPU_CLONES void lstm_cell_backward(T* dz, T* dc, const T* acts, const T* c, const T* c_new, const T* dh_new, const T* dc_new,
                        std::int64_t b, std::int64_t n) {
  T tanh_c[vmath::kRowChunk];  // tanh(c_new) of a chunk of a row: a loop that vectorises
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j0 = 0; j0 < n; j0 += vmath::kRowChunk) {
      const std::int64_t len = std::min(vmath::kRowChunk, n - j0);
      for (std::int64_t j = 0; j < len; ++j) tanh_c[j] = vmath::tanh(c_new[r * n + j0 + j]);
      for (std::int64_t jj = 0; jj < len; ++jj) {
        const std::int64_t j = j0 + jj, k = r * n + j, g = r * 4 * n + j;
        const T si = acts[g], tj = acts[g + n], sf = acts[g + 2 * n], so = acts[g + 3 * n];
        const T tc = tanh_c[jj];
        const T dh = dh_new ? dh_new[k] : T(0);
        const T dct = (dc_new ? dc_new[k] : T(0)) + dh * so * (T(1) - tc * tc);
        if (dz) {
          dz[g] += dct * tj * si * (T(1) - si);
          dz[g + n] += dct * si * (T(1) - tj * tj);
          dz[g + 2 * n] += dct * c[k] * sf * (T(1) - sf);
          dz[g + 3 * n] += dh * tc * so * (T(1) - so);
        }
        if (dc) dc[k] += dct * sf;
      }
    }
}

#define S2S_INSTANTIATE(T)                                                                                       \
  template void gru_gates_forward<T>(T*, T*, const T*, const T*, std::int64_t, std::int64_t);                    \
  template void gru_gates_backward<T>(T*, T*, const T*, const T*, const T*, std::int64_t, std::int64_t);         \
  template void gru_output_forward<T>(T*, T*, const T*, const T*, const T*, std::int64_t, std::int64_t);         \
  template void gru_output_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, std::int64_t,          \
                                       std::int64_t);                                                            \
  template void lstm_cell_forward<T>(T*, T*, T*, const T*, const T*, T, std::int64_t, std::int64_t);             \
  template void lstm_cell_backward<T>(T*, T*, const T*, const T*, const T*, const T*, const T*, std::int64_t,     \
                                      std::int64_t);
S2S_INSTANTIATE(float)
S2S_INSTANTIATE(double)
#undef S2S_INSTANTIATE

}  // namespace s2s::cpu
