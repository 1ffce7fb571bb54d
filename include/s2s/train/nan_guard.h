#pragma once
// Owns: the train.nan_policy decision for one step, made after the gradients are reduced and
// before they are clipped and applied:
//   stop: a non-finite loss or gradient throws s2s::Error naming the step, the bucket, the value
//         and the first parameter whose gradient is not finite;
//   skip: the update is skipped (the caller leaves parameters, optimizer state and global_step
//         untouched) and counted; the reason is kept for the log.
// Every rank sees the same all-reduced gradients, so every rank takes the same decision.
#include <cstdint>
#include <span>
#include <string>

#include "s2s/config/config.h"
#include "s2s/train/optimizer.h"

namespace s2s::train {

class NanGuard {
 public:
  explicit NanGuard(config::NanPolicy policy, std::int64_t skipped_so_far = 0)
      : policy_(policy), skipped_(skipped_so_far) {}

  // grad_norm: the global norm of the gradients (clip.h's global_norm); params: to name the
  // offending parameter. Returns true when the update may be applied, false to skip it.
  bool check(std::int64_t step, int bucket, double loss, double grad_norm,
             std::span<const ParamRef> params = {});
  std::int64_t skipped() const { return skipped_; }
  const std::string& last_reason() const { return last_reason_; }

 private:
  config::NanPolicy policy_;
  std::int64_t skipped_;
  std::string last_reason_;
};

}  // namespace s2s::train
