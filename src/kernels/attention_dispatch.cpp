// Owns: Tensor-level dispatch of the fused attention score (tensor_ops.h, kernels/attention.h).
#include "dispatch.h"
#include "s2s/kernels/attention.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::kern {

using namespace detail;

namespace {
struct Dims {
  std::int64_t b, l, a;
};
Dims score_dims(const char* op, const Tensor& f, const Tensor& y, const Tensor& v) {
  check_same(op, f, {&y, &v});
  S2S_CHECK(f.ndim() == 3, op, ": features must be [B, L, A], got ", shape_str(f.shape()));
  const Dims d{f.dim(0), f.dim(1), f.dim(2)};
  check_shape(op, "the query projection y", y, {d.b, d.a});
  check_shape(op, "v", v, {d.a});
  return d;
}
}  // namespace

void attention_score_forward(Tensor& e, const Tensor& f, const Tensor& y, const Tensor& v) {
  const char* op = "attention_score_forward";
  const Dims d = score_dims(op, f, y, v);
  check_same(op, f, {&e});
  check_shape(op, "the scores e", e, {d.b, d.l});
  dispatch(op, f,
      [&](auto t) {
        using T = decltype(t);
        cpu::attention_score_forward<T>(ptr<T>(e), ptr<T>(f), ptr<T>(y), ptr<T>(v), d.b, d.l, d.a);
      },
      [&] { cuda::attention_score_forward(fptr(e), fptr(f), fptr(y), fptr(v), d.b, d.l, d.a); });
}

void attention_score_backward(Tensor* df, Tensor* dy, Tensor* dv, const Tensor& f, const Tensor& y, const Tensor& v,
                              const Tensor& de) {
  const char* op = "attention_score_backward";
  const Dims d = score_dims(op, f, y, v);
  check_same(op, f, {&de});
  check_shape(op, "the score gradient", de, {d.b, d.l});
  const std::pair<Tensor*, Shape> grads[] = {{df, f.shape()}, {dy, y.shape()}, {dv, v.shape()}};
  for (const auto& [g, shape] : grads)
    if (g != nullptr && g->defined()) {
      check_same(op, f, {g});
      check_shape(op, "a gradient", *g, shape);
    }
  dispatch(op, f,
      [&](auto t) {
        using T = decltype(t);
        cpu::attention_score_backward<T>(opt_ptr<T>(df), opt_ptr<T>(dy), opt_ptr<T>(dv), ptr<T>(f), ptr<T>(y),
                                         ptr<T>(v), ptr<T>(de), d.b, d.l, d.a);
      },
      [&] {
        cuda::attention_score_backward(opt_fptr(df), opt_fptr(dy), opt_fptr(dv), fptr(f), fptr(y), fptr(v), fptr(de),
                                       d.b, d.l, d.a);
      });
}

}  // namespace s2s::kern
