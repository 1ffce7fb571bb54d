#pragma once
// Owns: StagingRing, the backend-free logic of the pinned staging buffer through which the CUDA
// caching allocator uploads host data without waiting for the device (cuda_allocator.h).
// Why: cudaMemcpyAsync from pageable memory must finish reading the host bytes before the caller
// may reuse them, so the old upload synchronised the stream: every small upload of a training step
// (id slices per time step, constants) stalled the host until the GPU had drained its queue. With
// the ring, the host bytes are memcpy'd into page-locked memory, the device copy is queued from
// there, and a fence (a CUDA event) recorded behind it says when that region may be written again.
//
// Layout: regions are handed out in FIFO order along a buffer of fixed capacity, each starting at
// a multiple of `alignment`; a region that does not fit before the end of the buffer starts again
// at 0 (the tail is skipped). Committed regions stay pending until their fence has completed; a
// region is never handed out while it overlaps a pending one. When the space ahead is taken, the
// ring waits for the OLDEST fences, one at a time, until the request fits (it never waits for a
// fence it does not need, and completed fences are retired without waiting when the backend can
// query them). A request larger than the capacity is refused (nullptr): the caller falls back.
//
// Use: `void* p = ring.acquire(n)` (nullptr: refused), write the n bytes to p, queue the copy that
// reads them, then `ring.commit()`, which records the fence covering the region. A region acquired
// but not committed (the copy failed to queue) is simply handed out again by the next acquire().
// Not thread-safe (the allocator holds a mutex around acquire .. commit). Header-only and
// backend-free, so it is unit-tested on the CPU with a fake fence backend.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <utility>

#include "s2s/core/error.h"

namespace s2s::cuda {

// A byte count as given in an environment variable `what`: digits with an optional k/m/g suffix
// (KiB, MiB, GiB), e.g. "67108864", "64M", "0". Throws s2s::Error naming `what` otherwise.
inline std::size_t parse_byte_count(const char* text, const char* what) {
  std::size_t n = 0, digits = 0;
  const char* p = text;
  for (; *p >= '0' && *p <= '9'; ++p, ++digits) {
    S2S_CHECK(n <= (SIZE_MAX - 9) / 10, what, "='", text, "': too large");
    n = n * 10 + static_cast<std::size_t>(*p - '0');
  }
  unsigned shift = 0;
  if (*p == 'k' || *p == 'K') shift = 10;
  if (*p == 'm' || *p == 'M') shift = 20;
  if (*p == 'g' || *p == 'G') shift = 30;
  if (shift != 0) ++p;
  S2S_CHECK(digits > 0 && *p == '\0', what, "='", text,
            "': expected a byte count such as 67108864, 64M or 0");
  S2S_CHECK(n <= (SIZE_MAX >> shift), what, "='", text, "': too large");
  return n << shift;
}

class StagingRing {
 public:
  using Token = std::uint64_t;
  // record(): a fence behind the copy just queued. wait(t): blocks until t has completed.
  // query(t) (optional): true if t has completed, without blocking. Once wait(t) has returned or
  // query(t) has returned true, the ring never passes t again (the backend may recycle it).
  struct Fences {
    std::function<Token()> record;
    std::function<void(Token)> wait;
    std::function<bool(Token)> query;
  };
  struct Region {
    std::size_t begin = 0, end = 0;  // byte offsets in the buffer, end - begin = aligned size
    Token fence = 0;
  };

  // `buffer` of `capacity` bytes must itself be aligned to `alignment` (a power of two) and outlive
  // the ring; the ring never touches its contents.
  StagingRing(void* buffer, std::size_t capacity, std::size_t alignment, Fences fences)
      : base_(static_cast<unsigned char*>(buffer)), capacity_(capacity), alignment_(alignment),
        fences_(std::move(fences)) {
    S2S_CHECK(alignment_ > 0 && (alignment_ & (alignment_ - 1)) == 0, "StagingRing: alignment ", alignment_,
              " is not a power of two");
    S2S_CHECK(buffer != nullptr || capacity == 0, "StagingRing: null buffer of ", capacity, " bytes");
    S2S_CHECK(reinterpret_cast<std::uintptr_t>(buffer) % alignment_ == 0, "StagingRing: buffer not aligned to ",
              alignment_);
    S2S_CHECK(fences_.record && fences_.wait, "StagingRing: record and wait callbacks are required");
  }
  StagingRing(const StagingRing&) = delete;
  StagingRing& operator=(const StagingRing&) = delete;

  std::size_t capacity() const { return capacity_; }
  std::size_t alignment() const { return alignment_; }
  std::size_t aligned_size(std::size_t bytes) const {
    return (std::max<std::size_t>(bytes, 1) + alignment_ - 1) & ~(alignment_ - 1);
  }

  // A region of at least `bytes` bytes that no pending fence covers, waiting for the oldest fences
  // as needed; nullptr if `bytes` (aligned) exceeds the capacity.
  void* acquire(std::size_t bytes) {
    const std::size_t size = aligned_size(bytes);
    if (size > capacity_) return nullptr;
    retire_completed();
    for (;;) {
      if (const auto begin = place(size); begin.found) {
        reserved_ = Region{begin.offset, begin.offset + size, 0};
        has_reserved_ = true;
        return base_ + begin.offset;
      }
      wait_oldest();  // pending is not empty here: an empty ring always has room for size <= capacity
    }
  }

  // Records the fence of the region last acquired (after the copy that reads it was queued).
  void commit() {
    S2S_CHECK(has_reserved_, "StagingRing::commit without acquire");
    has_reserved_ = false;
    reserved_.fence = fences_.record();
    pending_.push_back(reserved_);
  }

  // Waits for every pending fence (before the buffer is freed).
  void drain() {
    while (!pending_.empty()) wait_oldest();
  }

  const std::deque<Region>& pending() const { return pending_; }  // oldest first
  std::uint64_t waits() const { return waits_; }                   // fences waited for so far

 private:
  struct Placement {
    bool found = false;
    std::size_t offset = 0;
  };

  // Where a region of `size` bytes can go now, after the newest pending region, wrapping to 0.
  Placement place(std::size_t size) const {
    if (pending_.empty()) return {true, 0};
    const std::size_t oldest = pending_.front().begin;
    const std::size_t head = pending_.back().end;  // first byte after the newest region
    if (pending_.back().begin >= oldest) {
      // Pending bytes are [oldest, head): free space is [head, capacity) and [0, oldest).
      if (head + size <= capacity_) return {true, head};
      if (size <= oldest) return {true, 0};
    } else if (head + size <= oldest) {
      // Wrapped: pending bytes are [oldest, capacity) and [0, head): free space is [head, oldest).
      return {true, head};
    }
    return {};
  }

  void wait_oldest() {
    fences_.wait(pending_.front().fence);
    ++waits_;
    pending_.pop_front();
  }

  void retire_completed() {
    if (!fences_.query) return;
    while (!pending_.empty() && fences_.query(pending_.front().fence)) pending_.pop_front();
  }

  unsigned char* base_;
  std::size_t capacity_;
  std::size_t alignment_;
  Fences fences_;
  std::deque<Region> pending_;  // committed regions whose fence may not have completed, oldest first
  Region reserved_;
  bool has_reserved_ = false;
  std::uint64_t waits_ = 0;
};

}  // namespace s2s::cuda
