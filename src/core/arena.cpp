// Owns: Arena (per-step bump allocator) and the thread's current-arena pointer.
#include "s2s/core/arena.h"

#include <algorithm>

#include "s2s/core/error.h"

namespace s2s {
namespace {
thread_local Arena* t_current = nullptr;
std::size_t align_up(std::size_t v, std::size_t a) { return (v + a - 1) / a * a; }
}  // namespace

Arena::Arena(std::size_t block_bytes) : block_bytes_(block_bytes) {}
Arena::~Arena() = default;

std::size_t Arena::capacity() const {
  std::size_t c = 0;
  for (const auto& b : blocks_) c += b.size;
  return c;
}

void* Arena::allocate(std::size_t bytes, std::size_t align) {
  S2S_CHECK(align > 0 && (align & (align - 1)) == 0, "arena alignment must be a power of two");
  bytes = std::max<std::size_t>(bytes, 1);
  if (!blocks_.empty()) {
    auto& last = blocks_.back();
    auto base = reinterpret_cast<std::uintptr_t>(last.data.get());
    std::size_t start = align_up(base + used_in_last_, align) - base;
    if (start + bytes <= last.size) {
      // Count the alignment padding too: reset() sizes the kept block from the peak, which must
      // be what the step consumed, not just what it asked for.
      in_use_ += start + bytes - used_in_last_;
      used_in_last_ = start + bytes;
      peak_ = std::max(peak_, in_use_);
      return last.data.get() + start;
    }
  }
  std::size_t size = std::max(block_bytes_, bytes + align);
  blocks_.push_back({std::make_unique<std::byte[]>(size), size});
  used_in_last_ = 0;
  return allocate(bytes, align);
}

void Arena::reset() {
  // Keep one block big enough for everything the last step used, so steady state is allocation-free.
  std::size_t needed = std::max(peak_, block_bytes_);
  if (blocks_.size() != 1 || blocks_.front().size < needed) {
    blocks_.clear();
    blocks_.push_back({std::make_unique<std::byte[]>(needed + 4096), needed + 4096});
  }
  used_in_last_ = 0;
  in_use_ = 0;
  ++generation_;
}

Arena* Arena::current() { return t_current; }

ArenaScope::ArenaScope(Arena* arena) : previous_(t_current) { t_current = arena; }
ArenaScope::~ArenaScope() { t_current = previous_; }

}  // namespace s2s
