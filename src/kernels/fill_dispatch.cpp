// Owns: Tensor-level dispatch of the fill family (kern::fill; kernels/fill.h).
#include "dispatch.h"
#include "s2s/kernels/fill.h"

namespace s2s::kern {

using namespace detail;

void fill(Tensor& t, double value) {
  S2S_CHECK(t.defined(), "fill: undefined tensor");
  dispatch("fill", t,
      [&](auto tag) { using T = decltype(tag); cpu::fill<T>(ptr<T>(t), static_cast<T>(value), t.numel()); },
      [&] { cuda::fill(fptr(t), static_cast<float>(value), t.numel()); });
}

}  // namespace s2s::kern
