// Owns: the non-finite loss/gradient check of one step (see nan_guard.h).
#include "s2s/train/nan_guard.h"

#include <cmath>

#include "s2s/core/error.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::train {

bool NanGuard::check(std::int64_t step, int bucket, double loss, double grad_norm,
                     std::span<const ParamRef> params) {
  const bool loss_ok = std::isfinite(loss), grad_ok = std::isfinite(grad_norm);
  if (loss_ok && grad_ok) return true;
  std::string what;
  if (!loss_ok) what = detail::concat("non-finite loss (", loss, ")");
  if (!grad_ok) {
    if (!what.empty()) what += " and ";
    what += detail::concat("non-finite gradient (global norm ", grad_norm);
    for (const auto& p : params) {
      if (p.grad.defined() && !kern::all_finite(p.grad)) {
        what += ", first in '" + p.name + "'";
        break;
      }
    }
    what += ")";
  }
  last_reason_ = detail::concat(what, " at step ", step, ", bucket ", bucket);
  if (policy_ == config::NanPolicy::Stop)
    S2S_FAIL(last_reason_, " (train.nan_policy = stop; set it to skip to skip such steps)");
  ++skipped_;
  return false;
}

}  // namespace s2s::train
