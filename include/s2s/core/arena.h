#pragma once
// Owns: the per-step arena, a bump allocator for the short-lived tensors of one training step.
// While an ArenaScope is active on a thread, CPU Tensor::empty() takes memory from its arena;
// reset() at the end of a step frees everything at once. A tensor that outlives a reset is caught
// on its next access (the arena's generation is recorded in the storage), not read as garbage.
// Parameters, gradients and optimizer state must be created outside any ArenaScope.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace s2s {

class Arena {
 public:
  explicit Arena(std::size_t block_bytes = std::size_t{1} << 24);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  void* allocate(std::size_t bytes, std::size_t align = 64);
  // Frees every allocation; keeps the largest block so the next step allocates nothing new.
  void reset();
  std::uint64_t generation() const { return generation_; }
  std::size_t bytes_in_use() const { return in_use_; }
  std::size_t peak_bytes() const { return peak_; }
  std::size_t capacity() const;

  static Arena* current();  // the arena of the innermost ArenaScope on this thread, or nullptr

 private:
  struct Block {
    std::unique_ptr<std::byte[]> data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t block_bytes_;
  std::size_t used_in_last_ = 0;
  std::size_t in_use_ = 0;
  std::size_t peak_ = 0;
  std::uint64_t generation_ = 1;
  friend class ArenaScope;
};

class ArenaScope {
 public:
  explicit ArenaScope(Arena* arena);  // nullptr suspends arena allocation inside the scope
  ~ArenaScope();
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  Arena* previous_;
};

}  // namespace s2s
