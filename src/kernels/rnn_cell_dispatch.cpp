// Owns: Tensor-level dispatch of the fused GRU/LSTM cell steps (tensor_ops.h, kernels/rnn_cell.h):
// shape checks ([B, n], [B, 2n] gates of the GRU, [B, 4n] of the LSTM) and the CPU/CUDA switch.
#include <initializer_list>

#include "dispatch.h"
#include "s2s/kernels/rnn_cell.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::kern {

using namespace detail;

namespace {

struct Dims {
  std::int64_t b, n;
};

// The state-shaped operand `h` fixes B and n: it must be [B, n].
Dims cell_dims(const char* op, const Tensor& h) {
  S2S_CHECK(h.defined() && h.ndim() == 2, op, ": the state must be [B, n], got ",
            h.defined() ? shape_str(h.shape()) : std::string("undefined"));
  return {h.dim(0), h.dim(1)};
}

// Each required operand has the shape [B, k n] for its k; same device and dtype as `ref`.
void check_operands(const char* op, const Tensor& ref, Dims d,
                    std::initializer_list<std::pair<const Tensor*, int>> operands) {
  for (const auto& [t, k] : operands) {
    check_same(op, ref, {t});
    check_shape(op, "an operand", *t, {d.b, k * d.n});
  }
}

// Optional (gradient) operands: checked when given.
void check_optional(const char* op, const Tensor& ref, Dims d,
                    std::initializer_list<std::pair<const Tensor*, int>> operands) {
  for (const auto& [t, k] : operands)
    if (t != nullptr && t->defined()) {
      check_same(op, ref, {t});
      check_shape(op, "a gradient", *t, {d.b, k * d.n});
    }
}

template <class T> const T* opt_cptr(const Tensor* t) { return t != nullptr && t->defined() ? t->data<T>() : nullptr; }

}  // namespace

void gru_gates_forward(Tensor& ru, Tensor& rh, const Tensor& zg, const Tensor& h) {
  const char* op = "gru_gates_forward";
  const Dims d = cell_dims(op, h);
  check_operands(op, h, d, {{&ru, 2}, {&rh, 1}, {&zg, 2}});
  dispatch(op, h,
      [&](auto t) { using T = decltype(t); cpu::gru_gates_forward<T>(ptr<T>(ru), ptr<T>(rh), ptr<T>(zg), ptr<T>(h), d.b, d.n); },
      [&] { cuda::gru_gates_forward(fptr(ru), fptr(rh), fptr(zg), fptr(h), d.b, d.n); });
}

void gru_gates_backward(Tensor* dzg, Tensor* dh, const Tensor& ru, const Tensor& h, const Tensor& drh) {
  const char* op = "gru_gates_backward";
  const Dims d = cell_dims(op, h);
  check_operands(op, h, d, {{&ru, 2}, {&drh, 1}});
  check_optional(op, h, d, {{dzg, 2}, {dh, 1}});
  dispatch(op, h,
      [&](auto t) {
        using T = decltype(t);
        cpu::gru_gates_backward<T>(opt_ptr<T>(dzg), opt_ptr<T>(dh), ptr<T>(ru), ptr<T>(h), ptr<T>(drh), d.b, d.n);
      },
      [&] { cuda::gru_gates_backward(opt_fptr(dzg), opt_fptr(dh), fptr(ru), fptr(h), fptr(drh), d.b, d.n); });
}

void gru_output_forward(Tensor& h_new, Tensor& c, const Tensor& zc, const Tensor& ru, const Tensor& h) {
  const char* op = "gru_output_forward";
  const Dims d = cell_dims(op, h);
  check_operands(op, h, d, {{&h_new, 1}, {&c, 1}, {&zc, 1}, {&ru, 2}});
  dispatch(op, h,
      [&](auto t) {
        using T = decltype(t);
        cpu::gru_output_forward<T>(ptr<T>(h_new), ptr<T>(c), ptr<T>(zc), ptr<T>(ru), ptr<T>(h), d.b, d.n);
      },
      [&] { cuda::gru_output_forward(fptr(h_new), fptr(c), fptr(zc), fptr(ru), fptr(h), d.b, d.n); });
}

void gru_output_backward(Tensor* dzg, Tensor* dzc, Tensor* dh, const Tensor& ru, const Tensor& c, const Tensor& h,
                         const Tensor& dh_new) {
  const char* op = "gru_output_backward";
  const Dims d = cell_dims(op, h);
  check_operands(op, h, d, {{&ru, 2}, {&c, 1}, {&dh_new, 1}});
  check_optional(op, h, d, {{dzg, 2}, {dzc, 1}, {dh, 1}});
  dispatch(op, h,
      [&](auto t) {
        using T = decltype(t);
        cpu::gru_output_backward<T>(opt_ptr<T>(dzg), opt_ptr<T>(dzc), opt_ptr<T>(dh), ptr<T>(ru), ptr<T>(c), ptr<T>(h),
                                    ptr<T>(dh_new), d.b, d.n);
      },
      [&] {
        cuda::gru_output_backward(opt_fptr(dzg), opt_fptr(dzc), opt_fptr(dh), fptr(ru), fptr(c), fptr(h), fptr(dh_new),
                                  d.b, d.n);
      });
}

void lstm_cell_forward(Tensor& c_new, Tensor& h_new, Tensor& acts, const Tensor& z, const Tensor& c,
                       double forget_bias) {
  const char* op = "lstm_cell_forward";
  const Dims d = cell_dims(op, c);
  check_operands(op, c, d, {{&c_new, 1}, {&h_new, 1}, {&acts, 4}, {&z, 4}});
  dispatch(op, c,
      [&](auto t) {
        using T = decltype(t);
        cpu::lstm_cell_forward<T>(ptr<T>(c_new), ptr<T>(h_new), ptr<T>(acts), ptr<T>(z), ptr<T>(c), T(forget_bias), d.b,
                                  d.n);
      },
      [&] {
        cuda::lstm_cell_forward(fptr(c_new), fptr(h_new), fptr(acts), fptr(z), fptr(c), float(forget_bias), d.b, d.n);
      });
}

void lstm_cell_backward(Tensor* dz, Tensor* dc, const Tensor& acts, const Tensor& c, const Tensor& c_new,
                        const Tensor* dh_new, const Tensor* dc_new) {
  const char* op = "lstm_cell_backward";
  const Dims d = cell_dims(op, c);
  check_operands(op, c, d, {{&acts, 4}, {&c_new, 1}});
  check_optional(op, c, d, {{dz, 4}, {dc, 1}, {dh_new, 1}, {dc_new, 1}});
  dispatch(op, c,
      [&](auto t) {
        using T = decltype(t);
        cpu::lstm_cell_backward<T>(opt_ptr<T>(dz), opt_ptr<T>(dc), ptr<T>(acts), ptr<T>(c), ptr<T>(c_new),
                                   opt_cptr<T>(dh_new), opt_cptr<T>(dc_new), d.b, d.n);
      },
      [&] {
        cuda::lstm_cell_backward(opt_fptr(dz), opt_fptr(dc), fptr(acts), fptr(c), fptr(c_new), opt_cptr<float>(dh_new),
                                 opt_cptr<float>(dc_new), d.b, d.n);
      });
}

}  // namespace s2s::kern
