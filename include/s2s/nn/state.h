#pragma once
// Owns: the nested state structure of RNN cells (spec §1.0, §1.5): a state is one tensor or a
// tuple of states; an LSTMStateTuple (c, h) is a tuple tagged as such (DropoutWrapper never drops
// its c). Flattening is depth-first (c0, h0, c1, h1, … for stacked LSTMs), which is the order of
// the attention query (§4.7), of fixture files (`state/<i>`) and of checkpointed states.
// Nested<T> holds Vars (State) or sizes (StateSize) with the same structure.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "s2s/autograd/var.h"
#include "s2s/core/error.h"

namespace s2s::nn {

template <class T>
class Nested {
 public:
  enum class Kind : std::uint8_t { Leaf, Tuple, LstmTuple };

  Nested() : kind_(Kind::Tuple) {}  // the empty tuple
  Nested(T leaf) : kind_(Kind::Leaf), leaf_(std::move(leaf)) {}  // NOLINT: implicit by design
  static Nested tuple(std::vector<Nested> items) {
    Nested n;
    n.items_ = std::move(items);
    return n;
  }
  static Nested lstm(Nested c, Nested h) {  // LSTMStateTuple(c, h)
    Nested n = tuple({std::move(c), std::move(h)});
    n.kind_ = Kind::LstmTuple;
    return n;
  }

  bool is_leaf() const { return kind_ == Kind::Leaf; }
  bool is_tuple() const { return kind_ != Kind::Leaf; }
  bool is_lstm_tuple() const { return kind_ == Kind::LstmTuple; }
  Kind kind() const { return kind_; }
  const T& leaf() const {
    S2S_CHECK(is_leaf(), "state: expected a single tensor, got a tuple of ", items_.size());
    return leaf_;
  }
  const std::vector<Nested>& items() const {
    S2S_CHECK(is_tuple(), "state: expected a tuple, got a single tensor");
    return items_;
  }
  std::size_t size() const { return items().size(); }
  const Nested& operator[](std::size_t i) const {
    S2S_CHECK(i < items().size(), "state: index ", i, " of a tuple of ", items_.size());
    return items_[i];
  }

  std::size_t num_leaves() const {
    if (is_leaf()) return 1;
    std::size_t n = 0;
    for (const auto& it : items_) n += it.num_leaves();
    return n;
  }
  void flatten_into(std::vector<T>& out) const {
    if (is_leaf()) {
      out.push_back(leaf_);
      return;
    }
    for (const auto& it : items_) it.flatten_into(out);
  }
  std::vector<T> flatten() const {
    std::vector<T> out;
    out.reserve(num_leaves());
    flatten_into(out);
    return out;
  }
  // The same structure with leaves taken depth-first from `flat` (which must fit exactly).
  template <class U>
  Nested<U> pack(const std::vector<U>& flat) const {
    std::size_t at = 0;
    Nested<U> out = pack_from(flat, at);
    S2S_CHECK(at == flat.size(), "state: packing ", flat.size(), " tensors into a structure of ", at);
    return out;
  }
  template <class F>
  auto map(F&& f) const -> Nested<decltype(f(std::declval<const T&>()))> {
    using U = decltype(f(std::declval<const T&>()));
    if (is_leaf()) return Nested<U>(f(leaf_));
    std::vector<Nested<U>> items;
    items.reserve(items_.size());
    for (const auto& it : items_) items.push_back(it.map(f));
    return kind_ == Kind::LstmTuple ? Nested<U>::lstm(items[0], items[1]) : Nested<U>::tuple(std::move(items));
  }
  template <class U>
  bool same_structure(const Nested<U>& other) const {
    if (is_leaf() != other.is_leaf()) return false;
    if (is_leaf()) return true;
    if (items_.size() != other.items().size()) return false;
    for (std::size_t i = 0; i < items_.size(); ++i)
      if (!items_[i].same_structure(other.items()[i])) return false;
    return true;
  }

 private:
  template <class U>
  friend class Nested;
  template <class U>
  Nested<U> pack_from(const std::vector<U>& flat, std::size_t& at) const {
    if (is_leaf()) {
      S2S_CHECK(at < flat.size(), "state: packing needs more than ", flat.size(), " tensors");
      return Nested<U>(flat[at++]);
    }
    std::vector<Nested<U>> items;
    items.reserve(items_.size());
    for (const auto& it : items_) items.push_back(it.template pack_from<U>(flat, at));
    return kind_ == Kind::LstmTuple ? Nested<U>::lstm(items[0], items[1]) : Nested<U>::tuple(std::move(items));
  }

  Kind kind_;
  T leaf_{};
  std::vector<Nested> items_;
};

using State = Nested<ag::Var>;
using StateSize = Nested<std::int64_t>;

// "(4, (3, 3))" / "LSTMStateTuple(c=3, h=3)": for error messages.
std::string to_string(const StateSize& s);
std::string describe(const State& s);  // the same with shapes
std::int64_t total_size(const StateSize& s);  // Σ of the leaves
StateSize size_of(const State& s);            // dim 1 of every leaf

}  // namespace s2s::nn
