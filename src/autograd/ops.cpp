// Owns: forward + backward of every differentiable op (see ops.h).
#include "s2s/autograd/ops.h"

#include <numeric>

#include "s2s/kernels/fill.h"
#include "s2s/kernels/gemm.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::ag {
namespace {

Tensor new_like(const Tensor& t, const Shape& shape) { return Tensor::empty(shape, t.dtype(), t.device()); }

bool needs_record(std::initializer_list<const Var*> inputs) {
  if (active_tape() == nullptr) return false;
  for (const Var* v : inputs)
    if (v->requires_grad()) return true;
  return false;
}
bool needs_record(const std::vector<Var>& inputs) {
  if (active_tape() == nullptr) return false;
  for (const Var& v : inputs)
    if (v.requires_grad()) return true;
  return false;
}

// Gradient buffer of an input, or nullptr when it takes no gradient.
Tensor* grad_of(const Var& v) { return v.requires_grad() ? &v.grad() : nullptr; }

Var unary_activation(const Var& x, kern::Activation f) {
  Var y(new_like(x.value(), x.shape()));
  kern::activation_forward(f, y.mutable_value(), x.value());
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x, yv = y.value(), f](const Tensor& dy) mutable {
      kern::activation_backward(f, x.grad(), yv, dy);
    });
  }
  return y;
}

}  // namespace

Var matmul(const Var& a, const Var& b, bool ta, bool tb) {
  S2S_CHECK(a.ndim() == b.ndim() && (a.ndim() == 2 || a.ndim() == 3), "matmul: needs two 2-D or two 3-D operands, got ",
            shape_str(a.shape()), " and ", shape_str(b.shape()));
  const int o = a.ndim() == 3 ? 1 : 0;
  const std::int64_t m = ta ? a.dim(o + 1) : a.dim(o);
  const std::int64_t n = tb ? b.dim(o) : b.dim(o + 1);
  Shape out = o ? Shape{a.dim(0), m, n} : Shape{m, n};
  Var c(new_like(a.value(), out));
  kern::gemm(c.mutable_value(), a.value(), b.value(), ta, tb, 1.0, 0.0);
  if (needs_record({&a, &b})) {
    active_tape()->record(c, {a, b}, [a, b, ta, tb](const Tensor& dc) mutable {
      // C = op(A) op(B).  dA: op(A) = A -> dC op(B)ᵀ ; op(A) = Aᵀ -> op(B) dCᵀ.
      if (a.requires_grad()) {
        if (!ta) kern::gemm(a.grad(), dc, b.value(), false, !tb, 1.0, 1.0);
        else kern::gemm(a.grad(), b.value(), dc, tb, true, 1.0, 1.0);
      }
      // dB: op(B) = B -> op(A)ᵀ dC ; op(B) = Bᵀ -> dCᵀ op(A).
      if (b.requires_grad()) {
        if (!tb) kern::gemm(b.grad(), a.value(), dc, !ta, false, 1.0, 1.0);
        else kern::gemm(b.grad(), dc, a.value(), true, ta, 1.0, 1.0);
      }
    });
  }
  return c;
}

Var add(const Var& a, const Var& b) {
  S2S_CHECK(a.shape() == b.shape(), "add: shapes differ: ", shape_str(a.shape()), " vs ", shape_str(b.shape()));
  Var y(new_like(a.value(), a.shape()));
  kern::add(y.mutable_value(), a.value(), b.value());
  if (needs_record({&a, &b})) {
    active_tape()->record(y, {a, b}, [a, b](const Tensor& dy) mutable {
      if (Tensor* g = grad_of(a)) kern::axpy(*g, dy, 1.0);
      if (Tensor* g = grad_of(b)) kern::axpy(*g, dy, 1.0);
    });
  }
  return y;
}

Var sub(const Var& a, const Var& b) {
  S2S_CHECK(a.shape() == b.shape(), "sub: shapes differ: ", shape_str(a.shape()), " vs ", shape_str(b.shape()));
  Var y(new_like(a.value(), a.shape()));
  kern::sub(y.mutable_value(), a.value(), b.value());
  if (needs_record({&a, &b})) {
    active_tape()->record(y, {a, b}, [a, b](const Tensor& dy) mutable {
      if (Tensor* g = grad_of(a)) kern::axpy(*g, dy, 1.0);
      if (Tensor* g = grad_of(b)) kern::axpy(*g, dy, -1.0);
    });
  }
  return y;
}

Var mul(const Var& a, const Var& b) {
  S2S_CHECK(a.shape() == b.shape(), "mul: shapes differ: ", shape_str(a.shape()), " vs ", shape_str(b.shape()));
  Var y(new_like(a.value(), a.shape()));
  kern::mul(y.mutable_value(), a.value(), b.value());
  if (needs_record({&a, &b})) {
    active_tape()->record(y, {a, b}, [a, b](const Tensor& dy) mutable {
      if (Tensor* g = grad_of(a)) kern::mul_acc(*g, dy, b.value());
      if (Tensor* g = grad_of(b)) kern::mul_acc(*g, dy, a.value());
    });
  }
  return y;
}

Var scale(const Var& x, double alpha) {
  Var y(new_like(x.value(), x.shape()));
  kern::scale(y.mutable_value(), x.value(), alpha);
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x, alpha](const Tensor& dy) mutable { kern::axpy(x.grad(), dy, alpha); });
  }
  return y;
}

Var add_scalar(const Var& x, double c) {
  // A row of c as wide as the last axis (1 for a scalar: shape().back() of a rank-0 shape is UB),
  // filled where x lives (no upload inside a step).
  Tensor cst = new_like(x.value(), {x.ndim() == 0 ? 1 : x.shape().back()});
  kern::fill(cst, c);
  Var y(new_like(x.value(), x.shape()));
  kern::add_row_vector(y.mutable_value(), x.value(), cst);
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x](const Tensor& dy) mutable { kern::axpy(x.grad(), dy, 1.0); });
  }
  return y;
}

Var sigmoid(const Var& x) { return unary_activation(x, kern::Activation::Sigmoid); }
Var tanh(const Var& x) { return unary_activation(x, kern::Activation::Tanh); }
Var relu(const Var& x) { return unary_activation(x, kern::Activation::Relu); }

Var clip(const Var& x, double lo, double hi) {
  Var y(new_like(x.value(), x.shape()));
  kern::clip_forward(y.mutable_value(), x.value(), lo, hi);
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x, lo, hi](const Tensor& dy) mutable {
      kern::clip_backward(x.grad(), x.value(), dy, lo, hi);
    });
  }
  return y;
}

Var add_bias(const Var& x, const Var& bias) {
  S2S_CHECK(bias.ndim() == 1 && x.ndim() >= 1 && x.shape().back() == bias.dim(0), "add_bias: ",
            shape_str(x.shape()), " + ", shape_str(bias.shape()));
  Var y(new_like(x.value(), x.shape()));
  kern::add_row_vector(y.mutable_value(), x.value(), bias.value());
  if (needs_record({&x, &bias})) {
    active_tape()->record(y, {x, bias}, [x, bias](const Tensor& dy) mutable {
      if (Tensor* g = grad_of(x)) kern::axpy(*g, dy, 1.0);
      if (Tensor* g = grad_of(bias)) kern::sum_rows(*g, dy, true);
    });
  }
  return y;
}

Var add_broadcast_middle(const Var& x, const Var& v) {
  Var y(new_like(x.value(), x.shape()));
  kern::add_broadcast_middle(y.mutable_value(), x.value(), v.value());
  if (needs_record({&x, &v})) {
    active_tape()->record(y, {x, v}, [x, v](const Tensor& dy) mutable {
      if (Tensor* g = grad_of(x)) kern::axpy(*g, dy, 1.0);
      if (Tensor* g = grad_of(v)) kern::sum_middle(*g, dy);
    });
  }
  return y;
}

Var concat(const std::vector<Var>& parts) {
  S2S_CHECK(!parts.empty(), "concat: no tensors given");
  const std::int64_t rows = parts[0].dim(0);
  std::int64_t cols = 0;
  for (const Var& p : parts) {
    S2S_CHECK(p.ndim() == 2 && p.dim(0) == rows, "concat: parts must be 2-D with ", rows,
              " rows, got ", shape_str(p.shape()));
    cols += p.dim(1);
  }
  if (parts.size() == 1) return parts[0];
  Var y(new_like(parts[0].value(), {rows, cols}));
  std::int64_t at = 0;
  for (const Var& p : parts) {
    kern::copy_columns(y.mutable_value(), at, p.value(), 0, p.dim(1), false);
    at += p.dim(1);
  }
  if (needs_record(parts)) {
    active_tape()->record(y, parts, [parts](const Tensor& dy) mutable {
      std::int64_t at = 0;
      for (const Var& p : parts) {
        if (Tensor* g = grad_of(p)) kern::copy_columns(*g, 0, dy, at, p.dim(1), true);
        at += p.dim(1);
      }
    });
  }
  return y;
}

Var slice_columns(const Var& x, std::int64_t begin, std::int64_t width) {
  S2S_CHECK(x.ndim() == 2 && begin >= 0 && width >= 0 && begin + width <= x.dim(1),
            "slice_columns: columns [", begin, ", ", begin + width, ") of ", shape_str(x.shape()));
  Var y(new_like(x.value(), {x.dim(0), width}));
  kern::copy_columns(y.mutable_value(), 0, x.value(), begin, width, false);
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x, begin, width](const Tensor& dy) mutable {
      kern::copy_columns(x.grad(), begin, dy, 0, width, true);
    });
  }
  return y;
}

std::vector<Var> split(const Var& x, const std::vector<std::int64_t>& widths) {
  std::int64_t total = std::accumulate(widths.begin(), widths.end(), std::int64_t{0});
  S2S_CHECK(x.ndim() == 2 && total == x.dim(1), "split: widths sum to ", total, " but ",
            shape_str(x.shape()), " has ", (x.ndim() == 2 ? x.dim(1) : -1), " columns");
  std::vector<Var> out;
  std::int64_t at = 0;
  for (auto w : widths) {
    out.push_back(slice_columns(x, at, w));
    at += w;
  }
  return out;
}

Var reshape(const Var& x, const Shape& shape) {
  Var y(x.value().reshape(shape));  // a view: activations are never mutated
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x](const Tensor& dy) mutable {
      Tensor g = x.grad().reshape(dy.shape());
      kern::axpy(g, dy, 1.0);
    });
  }
  return y;
}

Var embedding_lookup(const Var& table, const Tensor& ids) {
  S2S_CHECK(table.ndim() == 2, "embedding_lookup: table must be [V, E], got ", shape_str(table.shape()));
  Tensor dev_ids = ids.device() == table.device() ? ids : ids.to(table.device());
  Var y(new_like(table.value(), {ids.numel(), table.dim(1)}));
  kern::embedding_gather(y.mutable_value(), table.value(), dev_ids);
  if (needs_record({&table})) {
    active_tape()->record(y, {table}, [table, dev_ids](const Tensor& dy) mutable {
      // Row-sparse mode: keep (ids, dy) for take_sparse_grad(); dy is final here (every use of
      // this lookup's output has been back-propagated) and nothing writes it afterwards.
      if (Node* n = table.node(); n->sparse_grad && n->is_leaf) {
        n->sparse_pieces.emplace_back(dev_ids, dy);
        return;
      }
      kern::embedding_scatter_add(table.grad(), dy, dev_ids);
    });
  }
  return y;
}

Var softmax(const Var& x) {
  Var y(new_like(x.value(), x.shape()));
  kern::softmax_rows(y.mutable_value(), x.value());
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x, yv = y.value()](const Tensor& dy) mutable {
      kern::softmax_rows_backward(x.grad(), yv, dy);
    });
  }
  return y;
}

Var log_softmax(const Var& x) {
  Var y(new_like(x.value(), x.shape()));
  kern::log_softmax_rows(y.mutable_value(), x.value());
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x, yv = y.value()](const Tensor& dy) mutable {
      kern::log_softmax_rows_backward(x.grad(), yv, dy);
    });
  }
  return y;
}

Var softmax_cross_entropy(const Var& logits, const Tensor& labels) {
  S2S_CHECK(logits.ndim() == 2 && labels.numel() == logits.dim(0), "softmax_cross_entropy: logits ",
            shape_str(logits.shape()), " with ", labels.numel(), " labels");
  Tensor dev_labels = labels.device() == logits.device() ? labels : labels.to(logits.device());
  Var loss(new_like(logits.value(), {logits.dim(0)}));
  kern::softmax_xent_forward(loss.mutable_value(), logits.value(), dev_labels);
  if (needs_record({&logits})) {
    active_tape()->record(loss, {logits}, [logits, dev_labels](const Tensor& dloss) mutable {
      kern::softmax_xent_backward(logits.grad(), logits.value(), dev_labels, dloss);
    });
  }
  return loss;
}

Var sum(const Var& x) {
  // Reduced on the tensor's device into the result's memory (in double on the CPU, rounded once),
  // so a CUDA step reads nothing back; backward broadcasts dy on the device too.
  Var y(new_like(x.value(), {}));
  kern::sum_to(y.mutable_value(), x.value());
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x](const Tensor& dy) mutable {
      Tensor g = x.grad().reshape({x.value().numel(), 1});  // x.grad += dy, dy as a [1] row vector
      kern::add_row_vector(g, g, dy.reshape({1}));
    });
  }
  return y;
}

Var row_sum(const Var& x) {
  S2S_CHECK(x.ndim() == 2, "row_sum: needs [R, C], got ", shape_str(x.shape()));
  const std::int64_t rows = x.dim(0), cols = x.dim(1);
  // A reduction kernel, not a product with a ones vector: exact sums under any matmul precision
  // (bf16 would round a loss summed here) and no ones constant to fill. x is read as [R, C, 1].
  Var y(new_like(x.value(), {rows}));
  Tensor y2 = y.mutable_value().reshape({rows, 1});
  kern::fill(y2, 0.0);
  kern::sum_middle(y2, x.value().reshape({rows, cols, 1}));
  if (needs_record({&x})) {
    active_tape()->record(y, {x}, [x, rows, cols](const Tensor& dy) mutable {
      if (Tensor* g = grad_of(x)) {  // dx[r, c] += dy[r]
        Tensor g3 = g->reshape({rows, cols, 1});
        kern::add_broadcast_middle(g3, g3, dy.reshape({rows, 1}));
      }
    });
  }
  return y;
}

Var stop_gradient(const Var& x) { return constant(x.value()); }

}  // namespace s2s::ag
