// Owns: forward + backward of the fused recurrent ops (see rnn_ops.h).
#include "s2s/autograd/rnn_ops.h"

#include <memory>

#include "s2s/kernels/tensor_ops.h"

namespace s2s::ag {
namespace {

Tensor new_like(const Tensor& t, const Shape& shape) { return Tensor::empty(shape, t.dtype(), t.device()); }

bool any_requires_grad(std::initializer_list<const Var*> inputs) {
  if (active_tape() == nullptr) return false;
  for (const Var* v : inputs)
    if (v->requires_grad()) return true;
  return false;
}

// Gradient buffer of an input, or nullptr when it takes no gradient.
Tensor* grad_of(const Var& v) { return v.requires_grad() ? &v.grad() : nullptr; }

void check_matrix(const char* op, const char* what, const Var& v, std::int64_t rows, std::int64_t cols) {
  S2S_CHECK(v.defined() && v.ndim() == 2 && v.dim(0) == rows && v.dim(1) == cols, op, ": ", what, " must be [", rows,
            ", ", cols, "], got ", v.defined() ? shape_str(v.shape()) : std::string("undefined"));
}

}  // namespace

GruGates gru_gates(const Var& zg, const Var& h) {
  S2S_CHECK(h.defined() && h.ndim() == 2, "gru_gates: the state must be [B, n], got ",
            h.defined() ? shape_str(h.shape()) : std::string("undefined"));
  const std::int64_t b = h.dim(0), n = h.dim(1);
  check_matrix("gru_gates", "the gate pre-activations", zg, b, 2 * n);
  GruGates g;
  g.ru = new_like(h.value(), {b, 2 * n});
  g.rh = Var(new_like(h.value(), {b, n}));
  kern::gru_gates_forward(g.ru, g.rh.mutable_value(), zg.value(), h.value());
  if (any_requires_grad({&zg, &h})) {
    active_tape()->record(g.rh, {zg, h}, [zg, h, ru = g.ru](const Tensor& drh) {
      kern::gru_gates_backward(grad_of(zg), grad_of(h), ru, h.value(), drh);
    });
  }
  return g;
}

Var gru_output(const Var& zg, const GruGates& gates, const Var& zc, const Var& h) {
  S2S_CHECK(h.defined() && h.ndim() == 2, "gru_output: the state must be [B, n]");
  const std::int64_t b = h.dim(0), n = h.dim(1);
  check_matrix("gru_output", "the gate pre-activations", zg, b, 2 * n);
  check_matrix("gru_output", "the candidate pre-activation", zc, b, n);
  S2S_CHECK(gates.ru.defined() && gates.ru.shape() == zg.shape(), "gru_output: gates do not come from gru_gates(zg, h)");
  Var h_new(new_like(h.value(), {b, n}));
  Tensor c = new_like(h.value(), {b, n});
  kern::gru_output_forward(h_new.mutable_value(), c, zc.value(), gates.ru, h.value());
  if (any_requires_grad({&zg, &zc, &h})) {
    active_tape()->record(h_new, {zg, zc, h}, [zg, zc, h, ru = gates.ru, c](const Tensor& dh_new) {
      kern::gru_output_backward(grad_of(zg), grad_of(zc), grad_of(h), ru, c, h.value(), dh_new);
    });
  }
  return h_new;
}

LstmStep basic_lstm_cell(const Var& z, const Var& c, double forget_bias) {
  S2S_CHECK(c.defined() && c.ndim() == 2, "basic_lstm_cell: the cell state must be [B, n], got ",
            c.defined() ? shape_str(c.shape()) : std::string("undefined"));
  const std::int64_t b = c.dim(0), n = c.dim(1);
  check_matrix("basic_lstm_cell", "the gate pre-activations", z, b, 4 * n);
  LstmStep out{Var(new_like(c.value(), {b, n})), Var(new_like(c.value(), {b, n}))};
  Tensor acts = new_like(c.value(), {b, 4 * n});
  kern::lstm_cell_forward(out.c.mutable_value(), out.h.mutable_value(), acts, z.value(), c.value(), forget_bias);
  if (!any_requires_grad({&z, &c})) return out;
  // Two tape entries, one per output. The h' entry is recorded last, so it runs first in the
  // reverse sweep, when every consumer of c' (all recorded later) has already written c'.grad:
  // it does the whole backward with both gradients and marks it done. The c' entry does the work
  // only when h' received no gradient (h' unused).
  auto done = std::make_shared<bool>(false);
  auto backward = [z, c, acts, c_new = out.c.value()](const Tensor* dh_new, const Tensor* dc_new) {
    kern::lstm_cell_backward(grad_of(z), grad_of(c), acts, c.value(), c_new, dh_new, dc_new);
  };
  active_tape()->record(out.c, {z, c}, [backward, done](const Tensor& dc_new) {
    if (*done) {
      *done = false;  // ready for another backward over the same tape
      return;
    }
    backward(nullptr, &dc_new);
  });
  active_tape()->record(out.h, {z, c}, [backward, done, c_new = out.c](const Tensor& dh_new) {
    backward(&dh_new, c_new.has_grad() ? &c_new.grad() : nullptr);
    *done = c_new.has_grad();  // the c' entry runs (and must skip) only if c' has a gradient
  });
  return out;
}

Var attention_score(const Var& f, const Var& y, const Var& v) {
  S2S_CHECK(f.defined() && f.ndim() == 3, "attention_score: features must be [B, L, A], got ",
            f.defined() ? shape_str(f.shape()) : std::string("undefined"));
  const std::int64_t b = f.dim(0), l = f.dim(1), a = f.dim(2);
  check_matrix("attention_score", "the query projection", y, b, a);
  S2S_CHECK(v.defined() && v.ndim() == 1 && v.dim(0) == a, "attention_score: v must be [", a, "], got ",
            v.defined() ? shape_str(v.shape()) : std::string("undefined"));
  Var e(new_like(f.value(), {b, l}));
  kern::attention_score_forward(e.mutable_value(), f.value(), y.value(), v.value());
  if (any_requires_grad({&f, &y, &v})) {
    active_tape()->record(e, {f, y, v}, [f, y, v](const Tensor& de) {
      kern::attention_score_backward(grad_of(f), grad_of(y), grad_of(v), f.value(), y.value(), v.value(), de);
    });
  }
  return e;
}

}  // namespace s2s::ag
