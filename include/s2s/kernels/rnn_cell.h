#pragma once
// Owns: the fused elementwise parts of the GRU (spec §1.2) and BasicLSTM (spec §1.3) cells with
// the tanh activation. The GEMMs stay outside (linear); each kernel does one step's elementwise
// work in one pass, where the unfused graph runs 6-10 separate ops.
// GRU, split around its candidate GEMM (which needs r ⊙ h first):
//   gates:  ru = σ(zg), rh = r ⊙ h        (zg = concat(x, h) @ W_g + b_g; r = ru[:, :n], u = ru[:, n:])
//   output: c = tanh(zc), h' = u ⊙ h + (1 − u) ⊙ c     (zc = concat(x, rh) @ W_c + b_c)
// BasicLSTM: z = concat(x, h) @ W + b = [i | j | f | o];
//   acts = [σ(i) | tanh(j) | σ(f + forget_bias) | σ(o)], c' = c ⊙ σ(f + fb) + σ(i) ⊙ tanh(j),
//   h' = tanh(c') ⊙ σ(o). The arithmetic follows the unfused ops' order (u h + (1 − u) c,
//   c σ_f + σ_i tanh j), so the CPU results equal the unfused graph's bit for bit.
// Backward kernels ACCUMULATE into their gradient outputs (elementwise.h); a null gradient output
// means "not wanted" (a constant zero state, say) and is skipped. A null incoming gradient of the
// LSTM (dh_new or dc_new) counts as zero.
// Shapes: B rows (batch), n units; every pointer is row-major.
#include <cstdint>

namespace s2s::cpu {
// ru [B, 2n] = σ(zg [B, 2n]); rh [B, n] = ru[:, :n] ⊙ h [B, n].
template <class T> void gru_gates_forward(T* ru, T* rh, const T* zg, const T* h, std::int64_t b, std::int64_t n);
// dzg[:, :n] += drh ⊙ h ⊙ r (1 − r); dh += drh ⊙ r.  dzg [B, 2n], dh [B, n] (each may be null).
template <class T> void gru_gates_backward(T* dzg, T* dh, const T* ru, const T* h, const T* drh, std::int64_t b, std::int64_t n);
// c [B, n] = tanh(zc [B, n]); h_new [B, n] = u ⊙ h + (1 − u) ⊙ c with u = ru[:, n:] (ru [B, 2n]).
template <class T> void gru_output_forward(T* h_new, T* c, const T* zc, const T* ru, const T* h, std::int64_t b, std::int64_t n);
// dzg[:, n:] += dh_new ⊙ (h − c) ⊙ u (1 − u); dzc += dh_new ⊙ (1 − u) ⊙ (1 − c²); dh += dh_new ⊙ u.
template <class T>
void gru_output_backward(T* dzg, T* dzc, T* dh, const T* ru, const T* c, const T* h, const T* dh_new, std::int64_t b, std::int64_t n);
// c_new, h_new [B, n]; acts [B, 4n] (saved for backward); z [B, 4n]; c [B, n].
template <class T>
void lstm_cell_forward(T* c_new, T* h_new, T* acts, const T* z, const T* c, T forget_bias, std::int64_t b, std::int64_t n);
// With g = dc_new + dh_new ⊙ σ(o) ⊙ (1 − tanh²(c_new)):
//   dz += [g tanh(j) σ(i)(1−σ(i)) | g σ(i) (1 − tanh²(j)) | g c σ_f (1 − σ_f) | dh_new tanh(c_new) σ(o)(1−σ(o))],
//   dc += g ⊙ σ_f.  dz [B, 4n], dc [B, n] (each may be null); dh_new, dc_new [B, n] (null = 0).
template <class T>
void lstm_cell_backward(T* dz, T* dc, const T* acts, const T* c, const T* c_new, const T* dh_new, const T* dc_new,
                        std::int64_t b, std::int64_t n);
}  // namespace s2s::cpu

namespace s2s::cuda {
void gru_gates_forward(float* ru, float* rh, const float* zg, const float* h, std::int64_t b, std::int64_t n);
void gru_gates_backward(float* dzg, float* dh, const float* ru, const float* h, const float* drh, std::int64_t b, std::int64_t n);
void gru_output_forward(float* h_new, float* c, const float* zc, const float* ru, const float* h, std::int64_t b, std::int64_t n);
void gru_output_backward(float* dzg, float* dzc, float* dh, const float* ru, const float* c, const float* h,
                         const float* dh_new, std::int64_t b, std::int64_t n);
void lstm_cell_forward(float* c_new, float* h_new, float* acts, const float* z, const float* c, float forget_bias,
                       std::int64_t b, std::int64_t n);
void lstm_cell_backward(float* dz, float* dc, const float* acts, const float* c, const float* c_new, const float* dh_new,
                        const float* dc_new, std::int64_t b, std::int64_t n);
}  // namespace s2s::cuda
