// Owns: Bf16OperandCache (kernels/bf16_cache.h).
#include "s2s/kernels/bf16_cache.h"

#include "s2s/core/error.h"

namespace s2s::kern {
namespace {

thread_local Bf16OperandCache* t_active = nullptr;

}  // namespace

Bf16OperandCache::Bf16OperandCache(const std::vector<StableArray>& arrays) : enclosing_(t_active) {
  for (const StableArray& a : arrays)
    if (a.data != nullptr && a.numel > 0) stable_.emplace(a.data, a.numel);
  t_active = this;
}

Bf16OperandCache::~Bf16OperandCache() {
  for (auto it = copies_.rbegin(); it != copies_.rend(); ++it)
    if (it->release) it->release(it->data);
  t_active = enclosing_;
}

Bf16OperandCache* Bf16OperandCache::active() { return t_active; }

const void* Bf16OperandCache::find_or_make(const float* x, std::int64_t n, const std::function<Copy()>& make) {
  const auto stable = stable_.find(x);
  if (stable == stable_.end() || stable->second != n) return nullptr;
  if (const auto made = made_.find(x); made != made_.end()) {
    ++stats_.reuses;
    return made->second;
  }
  Copy copy = make();
  S2S_CHECK(copy.data != nullptr, "Bf16OperandCache: the backend made no copy of an array of ", n, " elements");
  copies_.push_back(copy);
  made_.emplace(x, copy.data);
  ++stats_.conversions;
  return copy.data;
}

}  // namespace s2s::kern
