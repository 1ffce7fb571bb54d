#pragma once
// Owns: TokenTable, the string -> int64 hash table behind vocabulary counting and token lookup
// . Open addressing with linear probing over a power-of-two array of
// 32-byte slots that keep the full 64-bit hash, and the token bytes in one arena: a lookup is one
// or two cache lines, where std::unordered_map chases a node per probe. Tokens are counted tens
// of millions of times in `prepare`, so this is its hot path.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace s2s::data {

inline std::uint64_t token_hash(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xff51afd7ed558ccdull);
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
  }
  std::uint64_t v = 0;  // a byte loop: memcpy of a variable size is a library call here
  for (std::size_t k = 0; k < n; ++k) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[k])) << (8 * k);
  h = (h ^ v) * 0x94d049bb133111ebull;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 32);
}

class TokenTable {
 public:
  struct Entry {
    std::string_view token;
    std::int64_t value;
  };

  // The value slot of `token`, or nullptr.
  std::int64_t* find(std::string_view token) {
    if (slots_.empty()) return nullptr;
    const std::uint64_t h = token_hash(token);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.length == kEmpty) return nullptr;
      if (s.hash == h && same(s, token)) return &s.value;
    }
  }
  const std::int64_t* find(std::string_view token) const { return const_cast<TokenTable*>(this)->find(token); }

  // The value slot of `token`, inserted with `initial` when absent (inserted = true then).
  std::int64_t* insert(std::string_view token, std::int64_t initial, bool& inserted) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t h = token_hash(token);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.length == kEmpty) {
        s = {h, static_cast<std::uint64_t>(arena_.size()), static_cast<std::uint32_t>(token.size()), initial};
        arena_.append(token);
        order_.push_back(static_cast<std::uint32_t>(i));
        ++size_;
        inserted = true;
        return &s.value;
      }
      if (s.hash == h && same(s, token)) {
        inserted = false;
        return &s.value;
      }
    }
  }

  std::size_t size() const { return size_; }
  // Entries in insertion order (first occurrence first).
  std::vector<Entry> entries() const {
    std::vector<Entry> out;
    out.reserve(size_);
    for (std::uint32_t i : order_) out.push_back({view(slots_[i]), slots_[i].value});
    return out;
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t offset = 0;  // into arena_
    std::uint32_t length = kEmpty;
    std::int64_t value = 0;
  };
  bool same(const Slot& s, std::string_view token) const {
    return s.length == token.size() && std::memcmp(arena_.data() + s.offset, token.data(), token.size()) == 0;
  }
  std::string_view view(const Slot& s) const { return std::string_view(arena_).substr(s.offset, s.length); }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    std::vector<std::uint32_t> old_order = std::move(order_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    order_.clear();
    order_.reserve(old_order.size());
    for (std::uint32_t k : old_order) {  // in insertion order, so entries() keeps it
      const Slot& s = old[k];
      std::size_t i = s.hash & mask_;
      while (slots_[i].length != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
      order_.push_back(static_cast<std::uint32_t>(i));
    }
  }
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> order_;  // slot index of each entry, in insertion order
  std::string arena_;
  std::size_t size_ = 0, mask_ = 0;
};

}  // namespace s2s::data
