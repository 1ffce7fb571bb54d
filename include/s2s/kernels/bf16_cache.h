#pragma once
// Owns: Bf16OperandCache, the step-scoped cache of bfloat16-rounded copies of GEMM operands that
// do not change during a step (the parameters), for the BF16 matmul precision (gemm.h).
// Why: under BF16 every GEMM rounds both operands into scratch before multiplying. A recurrent
// weight is an operand of two GEMMs per time step and layer (forward, and dX in backward), so a
// translate step (3 layers, ~90 time steps) rounds each weight matrix ~180 times: on a GPU that
// pass (read 4 B, write 2 B per element) costs more than the bf16 GEMM it feeds. With the cache
// open, the first GEMM that reads a registered array rounds it once into memory the cache owns;
// every later GEMM of the step reads that copy. The values are bit for bit the same as without
// the cache (the same rounding of the same float32 values), which the tests check.
// Safety rests on one promise by whoever opens the cache: nothing writes a registered array
// while it is open (StepRunner opens it around zero-grad + forward + backward; the update comes
// after). Arrays are matched exactly (first element and element count), so a view or a
// temporary that happens to reuse freed memory is never taken for a parameter.
// The cache is per thread (the GEMMs consult the one open on the calling thread); scopes nest.
// Backend-free: each backend supplies the copy (CPU: rounded float32 values in host memory;
// CUDA: bfloat16 values from the device allocator), so the logic is unit-tested on the CPU.
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

namespace s2s::kern {

// A float32 array [numel] that stays unchanged while a cache is open.
struct StableArray {
  const float* data;
  std::int64_t numel;
};

class Bf16OperandCache {
 public:
  // A copy owned by the cache: `release(data)` runs when the cache closes.
  struct Copy {
    const void* data = nullptr;
    std::function<void(const void*)> release;
  };
  struct Stats {
    std::uint64_t conversions = 0;  // copies made (one per registered array used)
    std::uint64_t reuses = 0;       // GEMM operands served from an existing copy
  };

  explicit Bf16OperandCache(const std::vector<StableArray>& arrays);
  ~Bf16OperandCache();  // releases every copy, newest first, and reopens the enclosing cache
  Bf16OperandCache(const Bf16OperandCache&) = delete;
  Bf16OperandCache& operator=(const Bf16OperandCache&) = delete;

  // The cache open on this thread, or nullptr.
  static Bf16OperandCache* active();

  // For the GEMMs: the copy of x [n] when x is a registered array (made by make() on first use,
  // then reused); nullptr when it is not (the caller rounds it into scratch as before).
  const void* find_or_make(const float* x, std::int64_t n, const std::function<Copy()>& make);

  Stats stats() const { return stats_; }

 private:
  std::unordered_map<const float*, std::int64_t> stable_;  // data -> numel
  std::unordered_map<const float*, const void*> made_;     // data -> its copy
  std::vector<Copy> copies_;                               // in the order made
  Bf16OperandCache* enclosing_;
  Stats stats_;
};

}  // namespace s2s::kern
