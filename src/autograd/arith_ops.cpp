// Owns: forward + backward of the ops in arith_ops.h (host loops; see the header for why).
#include "s2s/autograd/arith_ops.h"

#include "s2s/kernels/tensor_ops.h"

namespace s2s::ag {
namespace {

Tensor host(const Tensor& t) { return t.device() == Device::CPU ? t : t.to(Device::CPU); }

bool records(const Var& a) { return active_tape() != nullptr && a.requires_grad(); }

// dst (on its own device) += src (a host tensor of the same shape).
void accumulate(Tensor& dst, const Tensor& src_host) {
  kern::axpy(dst, dst.device() == Device::CPU ? src_host : src_host.to(dst.device()), 1.0);
}

}  // namespace

Var div(const Var& a, const Var& b) {
  S2S_CHECK(a.shape() == b.shape() && a.dtype() == b.dtype(), "div: shapes/dtypes differ: ",
            shape_str(a.shape()), " / ", shape_str(b.shape()));
  const Tensor ha = host(a.value()), hb = host(b.value());
  Tensor hy = Tensor::empty(a.shape(), a.dtype());
  dispatch_floating(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = ha.data<T>();
    const T* pb = hb.data<T>();
    T* py = hy.data<T>();
    for (std::int64_t i = 0; i < hy.numel(); ++i) py[i] = pa[i] / pb[i];
  });
  Var y(a.device() == Device::CPU ? hy : hy.to(a.device()));
  if (records(a) || records(b)) {
    active_tape()->record(y, {a, b}, [a, b, hb, hy](const Tensor& dy) {
      // d(a/b)/da = 1/b ; d(a/b)/db = -(a/b)/b.
      const Tensor hdy = host(dy);
      Tensor ga = Tensor::empty(hdy.shape(), hdy.dtype()), gb = Tensor::empty(hdy.shape(), hdy.dtype());
      dispatch_floating(hdy.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* pb = hb.data<T>();
        const T* py = hy.data<T>();
        const T* pg = hdy.data<T>();
        T* pa_ = ga.data<T>();
        T* pb_ = gb.data<T>();
        for (std::int64_t i = 0; i < hdy.numel(); ++i) {
          pa_[i] = pg[i] / pb[i];
          pb_[i] = -pg[i] * py[i] / pb[i];
        }
      });
      if (a.requires_grad()) accumulate(a.grad(), ga);
      if (b.requires_grad()) accumulate(b.grad(), gb);
    });
  }
  return y;
}

Var transpose(const Var& x) {
  S2S_CHECK(x.ndim() == 2, "transpose: needs a 2-D tensor, got ", shape_str(x.shape()));
  const std::int64_t r = x.dim(0), c = x.dim(1);
  auto transpose_host = [](const Tensor& src) {
    const std::int64_t rows = src.dim(0), cols = src.dim(1);
    Tensor out = Tensor::empty({cols, rows}, src.dtype());
    dispatch_floating(src.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* ps = src.data<T>();
      T* po = out.data<T>();
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) po[j * rows + i] = ps[i * cols + j];
    });
    return out;
  };
  Tensor hy = transpose_host(host(x.value()));
  Var y(x.device() == Device::CPU ? hy : hy.to(x.device()));
  if (records(x)) {
    active_tape()->record(y, {x}, [x, transpose_host, r, c](const Tensor& dy) {
      Tensor g = transpose_host(host(dy));
      S2S_CHECK(g.dim(0) == r && g.dim(1) == c, "transpose backward: shape mismatch");
      accumulate(x.grad(), g);
    });
  }
  return y;
}

}  // namespace s2s::ag
