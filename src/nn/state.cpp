// Owns: printing and size helpers of the nested state (see state.h).
#include "s2s/nn/state.h"

namespace s2s::nn {
namespace {

template <class T, class Leaf>
std::string render(const Nested<T>& s, const Leaf& leaf) {
  if (s.is_leaf()) return leaf(s.leaf());
  std::string out = s.is_lstm_tuple() ? "LSTMStateTuple(c=" : "(";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0) out += s.is_lstm_tuple() ? ", h=" : ", ";
    out += render(s[i], leaf);
  }
  if (!s.is_lstm_tuple() && s.size() == 1) out += ",";
  return out + ")";
}

}  // namespace

std::string to_string(const StateSize& s) {
  return render(s, [](std::int64_t n) { return std::to_string(n); });
}

std::string describe(const State& s) {
  return render(s, [](const ag::Var& v) { return v.defined() ? shape_str(v.shape()) : std::string("<undefined>"); });
}

std::int64_t total_size(const StateSize& s) {
  std::int64_t n = 0;
  for (auto v : s.flatten()) n += v;
  return n;
}

StateSize size_of(const State& s) {
  return s.map([](const ag::Var& v) -> std::int64_t {
    S2S_CHECK(v.defined() && v.ndim() == 2, "state: every state tensor must be [B, n], got ",
              v.defined() ? shape_str(v.shape()) : std::string("<undefined>"));
    return v.dim(1);
  });
}

}  // namespace s2s::nn
