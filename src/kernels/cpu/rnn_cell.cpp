// Owns: CPU reference kernels of the fused GRU/LSTM cell steps (plain loops; float and double).
// The forward arithmetic is the unfused graph's, op for op (see rnn_cell.h).
#include "s2s/kernels/rnn_cell.h"

#include <cmath>

namespace s2s::cpu {
namespace {
// elementwise.cpp's sigmoid: split by sign so exp never overflows.
template <class T> T sigmoid(T v) {
  if (v >= 0) return T(1) / (T(1) + std::exp(-v));
  const T e = std::exp(v);
  return e / (T(1) + e);
}
}  // namespace

template <class T> void gru_gates_forward(T* ru, T* rh, const T* zg, const T* h, std::int64_t b, std::int64_t n) {
  for (std::int64_t i = 0; i < b * 2 * n; ++i) ru[i] = sigmoid(zg[i]);
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) rh[r * n + j] = ru[r * 2 * n + j] * h[r * n + j];
}

template <class T>
void gru_gates_backward(T* dzg, T* dh, const T* ru, const T* h, const T* drh, std::int64_t b, std::int64_t n) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t k = r * n + j;
      const T g = ru[r * 2 * n + j], d = drh[k];
      if (dzg) dzg[r * 2 * n + j] += d * h[k] * g * (T(1) - g);
      if (dh) dh[k] += d * g;
    }
}

template <class T>
void gru_output_forward(T* h_new, T* c, const T* zc, const T* ru, const T* h, std::int64_t b, std::int64_t n) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t k = r * n + j;
      const T u = ru[r * 2 * n + n + j];
      c[k] = std::tanh(zc[k]);
      h_new[k] = u * h[k] + (T(1) - u) * c[k];
    }
}

template <class T>
void gru_output_backward(T* dzg, T* dzc, T* dh, const T* ru, const T* c, const T* h, const T* dh_new, std::int64_t b,
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

template <class T>
void lstm_cell_forward(T* c_new, T* h_new, T* acts, const T* z, const T* c, T forget_bias, std::int64_t b,
                       std::int64_t n) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t k = r * n + j, g = r * 4 * n + j;
      const T si = sigmoid(z[g]), tj = std::tanh(z[g + n]), sf = sigmoid(z[g + 2 * n] + forget_bias),
              so = sigmoid(z[g + 3 * n]);
      acts[g] = si;
      acts[g + n] = tj;
      acts[g + 2 * n] = sf;
      acts[g + 3 * n] = so;
      c_new[k] = c[k] * sf + si * tj;
      h_new[k] = std::tanh(c_new[k]) * so;
    }
}

template <class T>
void lstm_cell_backward(T* dz, T* dc, const T* acts, const T* c, const T* c_new, const T* dh_new, const T* dc_new,
                        std::int64_t b, std::int64_t n) {
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t k = r * n + j, g = r * 4 * n + j;
      const T si = acts[g], tj = acts[g + n], sf = acts[g + 2 * n], so = acts[g + 3 * n];
      const T tc = std::tanh(c_new[k]);
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
