// Owns: the Philox permutation, the shard-position rule and ShardTable loading (windowed reads).
#include "s2s/data/shard.h"

#include <algorithm>
#include <numeric>

#include "s2s/core/error.h"
#include "s2s/core/philox.h"

namespace s2s::data {

namespace {
constexpr std::int64_t kWindow = 1 << 16;  // examples per read
}

std::vector<std::uint32_t> philox_permutation(std::uint64_t seed, std::uint64_t stream, std::int64_t n) {
  S2S_CHECK(n >= 0 && n <= static_cast<std::int64_t>(UINT32_MAX), "cannot permute ", n, " examples");
  std::vector<std::uint32_t> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0u);
  PhiloxStream rng(seed, stream);
  for (std::int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates, from the end
    auto j = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(i) + 1));
    std::swap(p[static_cast<std::size_t>(i)], p[j]);
  }
  return p;
}

std::int64_t first_shard_position(std::int64_t epoch, std::int64_t n, int rank, int world_size) {
  const std::int64_t w = world_size;
  std::int64_t base = ((epoch % w) * (n % w)) % w;  // (epoch * n) mod W without overflow
  return ((rank - base) % w + w) % w;
}

ShardTable ShardTable::load(const Dataset& dataset, const std::string& split, int bucket,
                            std::span<const std::uint32_t> wanted) {
  const std::int64_t n = dataset.bucket_size(split, bucket);
  ShardTable t;
  t.slots_ = static_cast<std::int64_t>(wanted.size());
  // A contiguous run requested in order needs no index arrays.
  bool run = true;
  for (std::size_t k = 1; k < wanted.size() && run; ++k) run = wanted[k] == wanted[k - 1] + 1;
  // (example, slot) sorted by example: rows are then filled in file order.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> order(wanted.size());
  for (std::size_t k = 0; k < wanted.size(); ++k) {
    if (wanted[k] >= n) S2S_FAIL("shard of ", split, " bucket ", bucket, ": example ", wanted[k], " of ", n);
    order[k] = {wanted[k], static_cast<std::uint32_t>(k)};
  }
  if (!run) std::sort(order.begin(), order.end());
  t.first_ = order.empty() ? 0 : order.front().first;
  if (!run) {
    t.slot_to_row_.resize(wanted.size());
    t.example_index_.reserve(wanted.size());
  }
  if (n > 0) {  // reserve the expected share of the bucket's tokens: no doubling of the largest arrays
    auto [src_total, tgt_total] = dataset.token_counts(split, bucket);
    const double share = static_cast<double>(wanted.size()) / static_cast<double>(n);
    t.source_ids_.reserve(static_cast<std::size_t>(static_cast<double>(src_total) * share * 1.02) + 16);
    t.target_ids_.reserve(static_cast<std::size_t>(static_cast<double>(tgt_total) * share * 1.02) + 16);
  }
  t.source_offsets_.reserve(wanted.size() + 1);
  t.target_offsets_.reserve(wanted.size() + 1);
  t.lines_.reserve(wanted.size());
  t.source_offsets_.push_back(0);
  t.target_offsets_.push_back(0);
  auto offset32 = [](std::size_t v) {
    if (v > UINT32_MAX) S2S_FAIL("a shard of more than 2^32 tokens (use more ranks)");
    return static_cast<std::uint32_t>(v);
  };
  std::size_t next = 0, row = 0;
  while (next < order.size()) {
    const std::int64_t begin = order[next].first;
    const std::int64_t count = std::min<std::int64_t>(kWindow, n - begin);
    ExampleBlock block = dataset.read(split, bucket, begin, count);
    for (; next < order.size() && order[next].first < begin + count; ++next, ++row) {
      if (next > 0 && order[next].first == order[next - 1].first)
        S2S_FAIL("ShardTable: example ", order[next].first, " requested twice");
      const std::int64_t i = order[next].first - begin;
      auto src = block.source(i), tgt = block.target(i);
      t.source_ids_.insert(t.source_ids_.end(), src.begin(), src.end());
      t.target_ids_.insert(t.target_ids_.end(), tgt.begin(), tgt.end());
      t.source_offsets_.push_back(offset32(t.source_ids_.size()));
      t.target_offsets_.push_back(offset32(t.target_ids_.size()));
      const std::int64_t line = block.lines[static_cast<std::size_t>(i)];
      if (line < 0 || line > UINT32_MAX) S2S_FAIL("line number ", line, " does not fit 32 bits");
      t.lines_.push_back(static_cast<std::uint32_t>(line));
      if (!run) {
        t.slot_to_row_[order[next].second] = static_cast<std::uint32_t>(row);
        t.example_index_.push_back(order[next].first);
      }
    }
  }
  return t;
}

BatchExample ShardTable::example(std::int64_t slot) const {
  if (slot < 0 || slot >= slots_) S2S_FAIL("shard slot ", slot, " of ", slots_);
  const std::size_t r = slot_to_row_.empty() ? static_cast<std::size_t>(slot) : slot_to_row_[static_cast<std::size_t>(slot)];
  BatchExample ex;
  ex.source = {source_ids_.data() + source_offsets_[r], source_offsets_[r + 1] - source_offsets_[r]};
  ex.target = {target_ids_.data() + target_offsets_[r], target_offsets_[r + 1] - target_offsets_[r]};
  ex.example_index = example_index_.empty() ? first_ + static_cast<std::int64_t>(r) : example_index_[r];
  ex.line = lines_[r];
  return ex;
}

std::size_t ShardTable::memory_bytes() const {
  return (source_ids_.capacity() + target_ids_.capacity() + source_offsets_.capacity() + target_offsets_.capacity() +
          lines_.capacity() + slot_to_row_.capacity()) * 4 +
         example_index_.capacity() * 8;
}

}  // namespace s2s::data
