// Owns: validation and backend dispatch of the original kernel families (gemm, elementwise,
// softmax, embedding, columns, reduce); later families dispatch from src/kernels/<family>_dispatch.cpp.
// The shared checks and the CPU/CUDA switch live in dispatch.h.
#include "s2s/kernels/tensor_ops.h"

#include <cmath>

#include "dispatch.h"
#include "s2s/kernels/columns.h"
#include "s2s/kernels/elementwise.h"
#include "s2s/kernels/embedding.h"
#include "s2s/kernels/gemm.h"
#include "s2s/kernels/reduce.h"
#include "s2s/kernels/softmax.h"

namespace s2s::kern {

using namespace detail;  // check_*, dispatch, ptr/fptr/iptr, last_dim/leading (dispatch.h)

void gemm(Tensor& c, const Tensor& a, const Tensor& b, bool ta, bool tb, double alpha, double beta) {
  check_same("gemm", c, {&a, &b});
  S2S_CHECK(a.ndim() == b.ndim() && (a.ndim() == 2 || a.ndim() == 3) && c.ndim() == a.ndim(),
            "gemm: operands must all be 2-D or all 3-D, got ", shape_str(a.shape()), ", ",
            shape_str(b.shape()), " -> ", shape_str(c.shape()));
  const bool batched = a.ndim() == 3;
  const std::int64_t batch = batched ? a.dim(0) : 1;
  const int o = batched ? 1 : 0;
  const std::int64_t m = ta ? a.dim(o + 1) : a.dim(o), k = ta ? a.dim(o) : a.dim(o + 1);
  const std::int64_t kb = tb ? b.dim(o + 1) : b.dim(o), n = tb ? b.dim(o) : b.dim(o + 1);
  S2S_CHECK(k == kb, "gemm: inner dimensions differ: op(A) ", shape_str(a.shape()),
            (ta ? "ᵀ" : ""), " @ op(B) ", shape_str(b.shape()), (tb ? "ᵀ" : ""));
  S2S_CHECK(c.dim(o) == m && c.dim(o + 1) == n && (!batched || (b.dim(0) == batch && c.dim(0) == batch)),
            "gemm: output has shape ", shape_str(c.shape()), ", expected [", m, ", ", n, "]");
  dispatch("gemm", c,
      [&](auto t) {
        using T = decltype(t);
        if (batched) cpu::gemm_batched<T>(ptr<T>(c), ptr<T>(a), ptr<T>(b), ta, tb, batch, m, n, k, T(alpha), T(beta));
        else cpu::gemm<T>(ptr<T>(c), ptr<T>(a), ptr<T>(b), ta, tb, m, n, k, T(alpha), T(beta));
      },
      [&] {
        if (batched) cuda::gemm_batched(fptr(c), fptr(a), fptr(b), ta, tb, batch, m, n, k, float(alpha), float(beta));
        else cuda::gemm(fptr(c), fptr(a), fptr(b), ta, tb, m, n, k, float(alpha), float(beta));
      });
}

#define S2S_BINARY(NAME)                                                                     \
  void NAME(Tensor& y, const Tensor& a, const Tensor& b) {                                   \
    check_same(#NAME, y, {&a, &b});                                                          \
    check_numel(#NAME, y, a);                                                                \
    check_numel(#NAME, y, b);                                                                \
    dispatch(#NAME, y,                                                                       \
        [&](auto t) { using T = decltype(t); cpu::NAME<T>(ptr<T>(y), ptr<T>(a), ptr<T>(b), y.numel()); }, \
        [&] { cuda::NAME(fptr(y), fptr(a), fptr(b), y.numel()); });                          \
  }
S2S_BINARY(add)
S2S_BINARY(sub)
S2S_BINARY(mul)
S2S_BINARY(mul_acc)
#undef S2S_BINARY

void scale(Tensor& y, const Tensor& x, double alpha) {
  check_same("scale", y, {&x});
  check_numel("scale", y, x);
  dispatch("scale", y,
      [&](auto t) { using T = decltype(t); cpu::scale<T>(ptr<T>(y), ptr<T>(x), T(alpha), y.numel()); },
      [&] { cuda::scale(fptr(y), fptr(x), float(alpha), y.numel()); });
}

void axpy(Tensor& y, const Tensor& x, double alpha) {
  check_same("axpy", y, {&x});
  check_numel("axpy", y, x);
  dispatch("axpy", y,
      [&](auto t) { using T = decltype(t); cpu::axpy<T>(ptr<T>(y), ptr<T>(x), T(alpha), y.numel()); },
      [&] { cuda::axpy(fptr(y), fptr(x), float(alpha), y.numel()); });
}

void activation_forward(Activation f, Tensor& y, const Tensor& x) {
  check_same("activation_forward", y, {&x});
  check_numel("activation_forward", y, x);
  const auto n = y.numel();
  dispatch("activation_forward", y,
      [&](auto t) {
        using T = decltype(t);
        switch (f) {
          case Activation::Sigmoid: cpu::sigmoid_forward<T>(ptr<T>(y), ptr<T>(x), n); break;
          case Activation::Tanh: cpu::tanh_forward<T>(ptr<T>(y), ptr<T>(x), n); break;
          case Activation::Relu: cpu::relu_forward<T>(ptr<T>(y), ptr<T>(x), n); break;
        }
      },
      [&] {
        switch (f) {
          case Activation::Sigmoid: cuda::sigmoid_forward(fptr(y), fptr(x), n); break;
          case Activation::Tanh: cuda::tanh_forward(fptr(y), fptr(x), n); break;
          case Activation::Relu: cuda::relu_forward(fptr(y), fptr(x), n); break;
        }
      });
}

void activation_backward(Activation f, Tensor& dx, const Tensor& y, const Tensor& dy) {
  check_same("activation_backward", dx, {&y, &dy});
  check_numel("activation_backward", dx, y);
  check_numel("activation_backward", dx, dy);
  const auto n = dx.numel();
  dispatch("activation_backward", dx,
      [&](auto t) {
        using T = decltype(t);
        switch (f) {
          case Activation::Sigmoid: cpu::sigmoid_backward<T>(ptr<T>(dx), ptr<T>(y), ptr<T>(dy), n); break;
          case Activation::Tanh: cpu::tanh_backward<T>(ptr<T>(dx), ptr<T>(y), ptr<T>(dy), n); break;
          case Activation::Relu: cpu::relu_backward<T>(ptr<T>(dx), ptr<T>(y), ptr<T>(dy), n); break;
        }
      },
      [&] {
        switch (f) {
          case Activation::Sigmoid: cuda::sigmoid_backward(fptr(dx), fptr(y), fptr(dy), n); break;
          case Activation::Tanh: cuda::tanh_backward(fptr(dx), fptr(y), fptr(dy), n); break;
          case Activation::Relu: cuda::relu_backward(fptr(dx), fptr(y), fptr(dy), n); break;
        }
      });
}

void clip_forward(Tensor& y, const Tensor& x, double lo, double hi) {
  check_same("clip_forward", y, {&x});
  check_numel("clip_forward", y, x);
  dispatch("clip_forward", y,
      [&](auto t) { using T = decltype(t); cpu::clip_forward<T>(ptr<T>(y), ptr<T>(x), T(lo), T(hi), y.numel()); },
      [&] { cuda::clip_forward(fptr(y), fptr(x), float(lo), float(hi), y.numel()); });
}

void clip_backward(Tensor& dx, const Tensor& x, const Tensor& dy, double lo, double hi) {
  check_same("clip_backward", dx, {&x, &dy});
  check_numel("clip_backward", dx, x);
  dispatch("clip_backward", dx,
      [&](auto t) { using T = decltype(t); cpu::clip_backward<T>(ptr<T>(dx), ptr<T>(x), ptr<T>(dy), T(lo), T(hi), dx.numel()); },
      [&] { cuda::clip_backward(fptr(dx), fptr(x), fptr(dy), float(lo), float(hi), dx.numel()); });
}

void add_row_vector(Tensor& y, const Tensor& x, const Tensor& bias) {
  check_same("add_row_vector", y, {&x, &bias});
  check_numel("add_row_vector", y, x);
  const auto cols = bias.numel(), rows = cols ? x.numel() / cols : 0;
  S2S_CHECK(last_dim(x) == cols, "add_row_vector: bias of ", cols, " elements for rows of ", last_dim(x));
  dispatch("add_row_vector", y,
      [&](auto t) { using T = decltype(t); cpu::add_row_vector<T>(ptr<T>(y), ptr<T>(x), ptr<T>(bias), rows, cols); },
      [&] { cuda::add_row_vector(fptr(y), fptr(x), fptr(bias), rows, cols); });
}

void add_broadcast_middle(Tensor& y, const Tensor& x, const Tensor& v) {
  check_same("add_broadcast_middle", y, {&x, &v});
  check_numel("add_broadcast_middle", y, x);
  S2S_CHECK(x.ndim() == 3 && v.ndim() == 2 && v.dim(0) == x.dim(0) && v.dim(1) == x.dim(2),
            "add_broadcast_middle: needs [B, L, C] + [B, C], got ", shape_str(x.shape()), " + ", shape_str(v.shape()));
  const auto b = x.dim(0), l = x.dim(1), c = x.dim(2);
  dispatch("add_broadcast_middle", y,
      [&](auto t) { using T = decltype(t); cpu::add_broadcast_middle<T>(ptr<T>(y), ptr<T>(x), ptr<T>(v), b, l, c); },
      [&] { cuda::add_broadcast_middle(fptr(y), fptr(x), fptr(v), b, l, c); });
}

void sum_rows(Tensor& y, const Tensor& x, bool accumulate) {
  check_same("sum_rows", y, {&x});
  const auto cols = y.numel(), rows = cols ? x.numel() / cols : 0;
  S2S_CHECK(last_dim(x) == cols, "sum_rows: output of ", cols, " for rows of ", last_dim(x));
  dispatch("sum_rows", y,
      [&](auto t) { using T = decltype(t); cpu::sum_rows<T>(ptr<T>(y), ptr<T>(x), rows, cols, accumulate); },
      [&] { cuda::sum_rows(fptr(y), fptr(x), rows, cols, accumulate); });
}

void sum_middle(Tensor& y, const Tensor& x) {
  check_same("sum_middle", y, {&x});
  S2S_CHECK(x.ndim() == 3 && y.ndim() == 2 && y.dim(0) == x.dim(0) && y.dim(1) == x.dim(2),
            "sum_middle: needs [B, L, C] -> [B, C], got ", shape_str(x.shape()), " -> ", shape_str(y.shape()));
  const auto b = x.dim(0), l = x.dim(1), c = x.dim(2);
  dispatch("sum_middle", y,
      [&](auto t) { using T = decltype(t); cpu::sum_middle<T>(ptr<T>(y), ptr<T>(x), b, l, c); },
      [&] { cuda::sum_middle(fptr(y), fptr(x), b, l, c); });
}

#define S2S_ROWWISE(NAME)                                                                    \
  void NAME(Tensor& y, const Tensor& x) {                                                    \
    check_same(#NAME, y, {&x});                                                              \
    check_numel(#NAME, y, x);                                                                \
    const auto rows = leading(x), cols = last_dim(x);                                        \
    dispatch(#NAME, y,                                                                       \
        [&](auto t) { using T = decltype(t); cpu::NAME<T>(ptr<T>(y), ptr<T>(x), rows, cols); }, \
        [&] { cuda::NAME(fptr(y), fptr(x), rows, cols); });                                  \
  }
S2S_ROWWISE(softmax_rows)
S2S_ROWWISE(log_softmax_rows)
#undef S2S_ROWWISE

#define S2S_ROWWISE_BACKWARD(NAME)                                                           \
  void NAME(Tensor& dx, const Tensor& y, const Tensor& dy) {                                 \
    check_same(#NAME, dx, {&y, &dy});                                                        \
    check_numel(#NAME, dx, y);                                                               \
    check_numel(#NAME, dx, dy);                                                              \
    const auto rows = leading(y), cols = last_dim(y);                                        \
    dispatch(#NAME, dx,                                                                      \
        [&](auto t) { using T = decltype(t); cpu::NAME<T>(ptr<T>(dx), ptr<T>(y), ptr<T>(dy), rows, cols); }, \
        [&] { cuda::NAME(fptr(dx), fptr(y), fptr(dy), rows, cols); });                       \
  }
S2S_ROWWISE_BACKWARD(softmax_rows_backward)
S2S_ROWWISE_BACKWARD(log_softmax_rows_backward)
#undef S2S_ROWWISE_BACKWARD

void softmax_xent_forward(Tensor& loss, const Tensor& logits, const Tensor& labels) {
  check_same("softmax_xent_forward", loss, {&logits});
  check_ids("softmax_xent_forward", labels, loss);
  const auto rows = leading(logits), cols = last_dim(logits);
  S2S_CHECK(loss.numel() == rows && labels.numel() == rows, "softmax_xent: ", rows,
            " rows of logits, ", labels.numel(), " labels, ", loss.numel(), " losses");
  dispatch("softmax_xent_forward", loss,
      [&](auto t) { using T = decltype(t); cpu::softmax_xent_forward<T>(ptr<T>(loss), ptr<T>(logits), iptr(labels), rows, cols); },
      [&] { cuda::softmax_xent_forward(fptr(loss), fptr(logits), iptr(labels), rows, cols); });
}

void softmax_xent_backward(Tensor& dlogits, const Tensor& logits, const Tensor& labels, const Tensor& dloss) {
  check_same("softmax_xent_backward", dlogits, {&logits, &dloss});
  check_ids("softmax_xent_backward", labels, dlogits);
  const auto rows = leading(logits), cols = last_dim(logits);
  S2S_CHECK(dloss.numel() == rows && labels.numel() == rows, "softmax_xent_backward: row count mismatch");
  dispatch("softmax_xent_backward", dlogits,
      [&](auto t) { using T = decltype(t); cpu::softmax_xent_backward<T>(ptr<T>(dlogits), ptr<T>(logits), iptr(labels), ptr<T>(dloss), rows, cols); },
      [&] { cuda::softmax_xent_backward(fptr(dlogits), fptr(logits), iptr(labels), fptr(dloss), rows, cols); });
}

void embedding_gather(Tensor& out, const Tensor& table, const Tensor& ids) {
  check_same("embedding_gather", out, {&table});
  check_ids("embedding_gather", ids, out);
  S2S_CHECK(table.ndim() == 2, "embedding_gather: table must be 2-D, got ", shape_str(table.shape()));
  const auto n = ids.numel(), rows = table.dim(0), dim = table.dim(1);
  S2S_CHECK(out.numel() == n * dim, "embedding_gather: output ", shape_str(out.shape()), " for ", n, " ids of width ", dim);
  dispatch("embedding_gather", out,
      [&](auto t) { using T = decltype(t); cpu::embedding_gather<T>(ptr<T>(out), ptr<T>(table), iptr(ids), n, rows, dim); },
      [&] { cuda::embedding_gather(fptr(out), fptr(table), iptr(ids), n, rows, dim); });
}

void embedding_scatter_add(Tensor& dtable, const Tensor& dout, const Tensor& ids) {
  check_same("embedding_scatter_add", dtable, {&dout});
  check_ids("embedding_scatter_add", ids, dtable);
  const auto n = ids.numel(), rows = dtable.dim(0), dim = dtable.dim(1);
  S2S_CHECK(dout.numel() == n * dim, "embedding_scatter_add: gradient size mismatch");
  dispatch("embedding_scatter_add", dtable,
      [&](auto t) { using T = decltype(t); cpu::embedding_scatter_add<T>(ptr<T>(dtable), ptr<T>(dout), iptr(ids), n, rows, dim); },
      [&] { cuda::embedding_scatter_add(fptr(dtable), fptr(dout), iptr(ids), n, rows, dim); });
}

void copy_columns(Tensor& dst, std::int64_t dst_col, const Tensor& src, std::int64_t src_col,
                  std::int64_t width, bool accumulate) {
  check_same("copy_columns", dst, {&src});
  S2S_CHECK(dst.ndim() == 2 && src.ndim() == 2 && dst.dim(0) == src.dim(0),
            "copy_columns: needs 2-D tensors with equal rows, got ", shape_str(dst.shape()), " and ", shape_str(src.shape()));
  S2S_CHECK(dst_col >= 0 && src_col >= 0 && dst_col + width <= dst.dim(1) && src_col + width <= src.dim(1),
            "copy_columns: column block out of range");
  const auto rows = dst.dim(0), dcols = dst.dim(1), scols = src.dim(1);
  dispatch("copy_columns", dst,
      [&](auto t) { using T = decltype(t); cpu::copy_columns<T>(ptr<T>(dst), dcols, dst_col, ptr<T>(src), scols, src_col, rows, width, accumulate); },
      [&] { cuda::copy_columns(fptr(dst), dcols, dst_col, fptr(src), scols, src_col, rows, width, accumulate); });
}

double sum(const Tensor& x) {
  double result = 0;
  dispatch("sum", x,
      [&](auto t) { using T = decltype(t); result = cpu::sum<T>(ptr<T>(x), x.numel()); },
      [&] {
        Tensor out = Tensor::empty({1}, DType::F32, x.device());
        cuda::sum(fptr(out), fptr(x), x.numel());
        result = out.item();
      });
  return result;
}

double sum_squares(const Tensor& x) {
  double result = 0;
  dispatch("sum_squares", x,
      [&](auto t) { using T = decltype(t); result = cpu::sum_squares<T>(ptr<T>(x), x.numel()); },
      [&] {
        Tensor out = Tensor::empty({1}, DType::F32, x.device());
        cuda::sum_squares(fptr(out), fptr(x), x.numel());
        result = out.item();
      });
  return result;
}

void argmax_rows(Tensor& idx, const Tensor& x) {
  check_ids("argmax_rows", idx, x);
  const auto rows = leading(x), cols = last_dim(x);
  S2S_CHECK(idx.numel() == rows && idx.device() == x.device(), "argmax_rows: output size/device mismatch");
  dispatch("argmax_rows", x,
      [&](auto t) { using T = decltype(t); cpu::argmax_rows<T>(iptr(idx), ptr<T>(x), rows, cols); },
      [&] { cuda::argmax_rows(iptr(idx), fptr(x), rows, cols); });
}

bool all_finite(const Tensor& x) {
  if (x.device() != Device::CPU) return std::isfinite(sum_squares(x));
  bool ok = true;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data<T>();
    for (std::int64_t i = 0; i < x.numel() && ok; ++i) ok = std::isfinite(p[i]);
  });
  return ok;
}

}  // namespace s2s::kern
