#pragma once
// Owns: the device-independent bookkeeping of fusion buckets, shared by MpiReducer (host) and
// NcclReducer (CUDA): which byte range of which gradient goes to which byte range of which bucket,
// in the order gradients become ready. It does no copying and no communication: callers get a
// callback per segment (copy it) and per bucket that fills (launch it).
//
// Rules: one open bucket per dtype; every bucket holds one dtype and at most capacity() bytes; a
// gradient that does not fit in the space left is split, so every bucket but the last of each
// dtype is exactly full. flush() appends the gradients that were never marked ready (in prepare
// order) and then closes the partial buckets in the order they were opened. All of this depends
// only on the ready order, so ranks that see the same order build identical buckets.
//
// Header-only so that the CUDA translation unit of the NCCL reducer needs no MPI library.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "s2s/core/dtype.h"
#include "s2s/core/error.h"
#include "s2s/core/tensor.h"

namespace s2s::dist {

class BucketPlan {
 public:
  struct Entry {           // one prepared gradient
    DType dtype;
    std::size_t bytes;
    const void* key;       // its data pointer, for ready(const Tensor&)
  };
  struct Segment {         // a byte range of gradient `tensor` placed in bucket `bucket`
    std::size_t tensor;
    std::size_t tensor_offset;
    std::size_t bucket;
    std::size_t bucket_offset;
    std::size_t bytes;
  };
  struct Bucket {
    DType dtype;
    std::size_t bytes = 0;
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // bucket_bytes is rounded down to a multiple of 8 (at least 8) so any dtype fills it exactly.
  void configure(std::size_t bucket_bytes, std::vector<Entry> entries) {
    capacity_ = std::max<std::size_t>(8, bucket_bytes / 8 * 8);
    entries_ = std::move(entries);
    by_key_.clear();
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      S2S_CHECK(is_floating(entries_[i].dtype), "gradient ", i, " has dtype ",
                dtype_name(entries_[i].dtype), "; only float32/float64 gradients can be reduced");
      if (entries_[i].key != nullptr && entries_[i].bytes > 0) {
        auto [it, inserted] = by_key_.emplace(entries_[i].key, i);
        S2S_CHECK(inserted, "gradients ", it->second, " and ", i, " share one buffer");
      }
    }
    ready_.assign(entries_.size(), false);
    reset();
  }

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return entries_.size(); }
  const Entry& entry(std::size_t i) const { return entries_.at(i); }
  bool in_step() const { return in_step_; }
  bool is_ready(std::size_t i) const { return ready_.at(i); }

  // Index of the prepared gradient whose buffer starts at `key`; kNone if there is none.
  std::size_t find(const void* key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? kNone : it->second;
  }

  // The reducers' prepare(): every gradient defined and on `device` (the reducer's), then
  // configure. `reducer` and `other` name the reducer and the one to use instead, for errors.
  void configure_for(std::size_t bucket_bytes, const std::vector<Tensor>& grads, Device device,
                     const char* reducer, const char* other) {
    S2S_CHECK(!in_step(), "prepare() called in the middle of a step (before finish())");
    std::vector<Entry> entries;
    entries.reserve(grads.size());
    for (std::size_t i = 0; i < grads.size(); ++i) {
      const Tensor& g = grads[i];
      S2S_CHECK(g.defined(), "gradient ", i, " is undefined (allocate it, e.g. Var::grad(), first)");
      S2S_CHECK(g.device() == device, "the ", reducer, " reducer needs ", device_name(device),
                " gradients; gradient ", i, " is on ", device_name(g.device()), " (use the ", other,
                " reducer)");
      entries.push_back({g.dtype(), g.nbytes(), g.raw()});
    }
    configure(bucket_bytes, std::move(entries));
  }

  // The reducers' ready(const Tensor&): the prepared index of a gradient buffer, or kNone for an
  // empty one (nothing to reduce; its address need not be unique). Throws for an unknown buffer.
  std::size_t index_of(const Tensor& grad) const {
    S2S_CHECK(grad.defined(), "ready() with an undefined gradient");
    if (grad.numel() == 0) return kNone;
    const std::size_t index = find(grad.raw());
    S2S_CHECK(index != kNone, "ready(): this gradient buffer (shape ", shape_str(grad.shape()),
              ") was not passed to prepare(); prepare() must see every Var::grad() buffer");
    return index;
  }

  // FNV-1a over the layout (count, dtype and size of every gradient): equal on all ranks iff the
  // prepared lists agree (up to hash collisions).
  std::uint64_t layout_hash() const {
    std::uint64_t h = mix(kFnvOffset, entries_.size());
    for (const Entry& e : entries_) h = mix(mix(h, static_cast<std::uint64_t>(e.dtype)), e.bytes);
    return h;
  }
  // Hash of the order in which gradients were added this step.
  std::uint64_t order_hash() const { return order_hash_; }

  // Marks gradient `index` ready: on_segment(const Segment&) for each piece, then
  // on_full(bucket index) for each bucket this fills.
  template <class OnSegment, class OnFull>
  void add(std::size_t index, OnSegment&& on_segment, OnFull&& on_full) {
    S2S_CHECK(index < entries_.size(), "gradient index ", index, " out of range (",
              entries_.size(), " prepared)");
    S2S_CHECK(!ready_[index], "gradient ", index, " was marked ready twice in one step");
    in_step_ = true;
    ready_[index] = true;
    order_hash_ = mix(order_hash_, index);
    const Entry& e = entries_[index];
    const int slot = e.dtype == DType::F64 ? 1 : 0;
    std::size_t done = 0;
    while (done < e.bytes) {
      if (open_[slot] == kNone) {
        open_[slot] = buckets_.size();
        buckets_.push_back(Bucket{e.dtype, 0});
      }
      const std::size_t b = open_[slot];
      Bucket& bucket = buckets_[b];
      const std::size_t n = std::min(e.bytes - done, capacity_ - bucket.bytes);
      const Segment seg{index, done, b, bucket.bytes, n};
      segments_.push_back(seg);
      bucket.bytes += n;
      done += n;
      on_segment(seg);
      if (bucket.bytes == capacity_) {
        open_[slot] = kNone;
        on_full(b);
      }
    }
  }

  // Adds every gradient not yet ready (prepare order), then closes the partial buckets in the
  // order they were opened (on_full for each).
  template <class OnSegment, class OnFull>
  void flush(OnSegment&& on_segment, OnFull&& on_full) {
    in_step_ = true;
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (!ready_[i]) add(i, on_segment, on_full);
    std::size_t first = std::min(open_[0], open_[1]);
    std::size_t second = std::max(open_[0], open_[1]);
    open_[0] = open_[1] = kNone;
    if (first != kNone) on_full(first);
    if (second != kNone) on_full(second);
  }

  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Bucket>& buckets() const { return buckets_; }

  // Ends the step: no bucket open, nothing ready.
  void reset() {
    std::fill(ready_.begin(), ready_.end(), false);
    segments_.clear();
    buckets_.clear();
    open_[0] = open_[1] = kNone;
    order_hash_ = kFnvOffset;
    in_step_ = false;
  }

 private:
  static constexpr std::uint64_t kFnvOffset = 1469598103934665603ull;
  static std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xffu;
      h *= 1099511628211ull;
    }
    return h;
  }

  std::size_t capacity_ = 8;
  std::vector<Entry> entries_;
  std::unordered_map<const void*, std::size_t> by_key_;
  std::vector<bool> ready_;
  std::vector<Segment> segments_;
  std::vector<Bucket> buckets_;
  std::size_t open_[2] = {kNone, kNone};  // open bucket of float32 / float64
  std::uint64_t order_hash_ = kFnvOffset;
  bool in_step_ = false;
};

}  // namespace s2s::dist
