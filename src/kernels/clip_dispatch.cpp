// Owns: Tensor-level dispatch of the device-side gradient clip (kernels/clip.h).
#include "dispatch.h"
#include "s2s/kernels/clip.h"

namespace s2s::kern {

using namespace detail;

void scale_by_global_norm(Tensor& g, const Tensor& norm_sq, double max_norm) {
  check_same("scale_by_global_norm", g, {&norm_sq});
  S2S_CHECK(norm_sq.numel() == 1, "scale_by_global_norm: norm_sq must have one element, got shape ",
            shape_str(norm_sq.shape()));
  S2S_CHECK(max_norm > 0, "scale_by_global_norm: max_norm must be > 0, got ", max_norm);
  dispatch("scale_by_global_norm", g,
      [&](auto t) {
        using T = decltype(t);
        cpu::scale_by_global_norm<T>(ptr<T>(g), g.numel(), ptr<T>(norm_sq), T(max_norm));
      },
      [&] { cuda::scale_by_global_norm(fptr(g), g.numel(), fptr(norm_sq), float(max_norm)); });
}

}  // namespace s2s::kern
