// Owns: clip_by_global_norm (see clip.h for the formula and its TF fidelity notes).
#include "s2s/train/clip.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "s2s/kernels/tensor_ops.h"

namespace s2s::train {

double global_norm(std::span<const Tensor> grads) {
  // One fused reduction over every gradient: in double on the CPU, one device read on CUDA.
  return std::sqrt(kern::global_sum_squares(grads));
}

double scale_to_global_norm(std::span<Tensor> grads, double norm, double max_norm) {
  S2S_CHECK(max_norm > 0, "clip_by_global_norm: max_norm must be > 0, got ", max_norm);
  if (grads.empty()) return 1.0;
  double applied = 1.0;
  dispatch_floating(grads.front().dtype(), [&](auto t) {
    using T = decltype(t);
    const T n = static_cast<T>(norm), c = static_cast<T>(max_norm);
    // TF: scale_for_finite = clip_norm * min(1/norm, 1/clip_norm); scale = that + (norm - norm).
    T scale = c * std::min(T(1) / n, T(1) / c);
    if (!std::isfinite(n)) scale = std::numeric_limits<T>::quiet_NaN();
    applied = scale;
  });
  for (Tensor& g : grads) {
    S2S_CHECK(g.dtype() == grads.front().dtype(), "clip_by_global_norm: gradients of mixed dtypes (",
              dtype_name(g.dtype()), " and ", dtype_name(grads.front().dtype()), ")");
    kern::scale(g, g, applied);
  }
  return applied;
}

double clip_by_global_norm(std::span<Tensor> grads, double max_norm) {
  const double norm = global_norm(std::span<const Tensor>(grads.data(), grads.size()));
  scale_to_global_norm(grads, norm, max_norm);
  return norm;
}

}  // namespace s2s::train
