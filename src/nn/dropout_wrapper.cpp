// Owns: DropoutWrapper (spec §1.9) and its Philox masks.
#include "s2s/nn/dropout_wrapper.h"

#include <cmath>
#include <functional>

#include "s2s/autograd/ops.h"
#include "s2s/core/philox.h"

namespace s2s::nn {
namespace {

void check_keep(double p, const char* name) {
  S2S_CHECK(p >= 0.0 && p <= 1.0, "Parameter ", name, " must be between 0 and 1: ", p);
}

// Stream of one mask: (call or sequence counter, which tensor). 4096 tensors per call is far more
// than any state has leaves.
constexpr std::uint64_t kTensorsPerCall = 4096;

}  // namespace

DropoutWrapper::DropoutWrapper(CellPtr cell, DropoutOptions options) : cell_(std::move(cell)), options_(options) {
  S2S_CHECK(cell_ != nullptr, "The parameter cell is not a RNNCell.");
  check_keep(options_.input_keep_prob, "input_keep_prob");
  check_keep(options_.state_keep_prob, "state_keep_prob");
  check_keep(options_.output_keep_prob, "output_keep_prob");
  if (options_.variational_recurrent) {
    S2S_CHECK(options_.dtype.has_value(), "When variational_recurrent=True, dtype must be provided");
    S2S_CHECK(options_.input_keep_prob >= 1.0 || options_.input_size.has_value(),
              "When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, input_size must be provided");
  }
}

Var DropoutWrapper::drop(const Var& v, double keep, std::uint64_t which) {
  if (keep >= 1.0) return v;
  S2S_CHECK(v.ndim() == 2, "dropout_wrapper: expected a [B, n] tensor, got ", shape_str(v.shape()));
  const std::int64_t rows = v.dim(0), cols = v.dim(1);
  const std::uint64_t stream = counter_ * kTensorsPerCall + which;
  Tensor mask = Tensor::empty(v.shape(), v.dtype());
  dispatch_floating(v.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* m = mask.data<T>();
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < cols; ++c) {
        // Variational masks are [1, n] (shared by the batch); the others are per element.
        const std::uint64_t idx = options_.variational_recurrent ? c : r * cols + c;
        const double u = philox_uniform_float(philox_u32_at(options_.seed, stream, idx));
        m[r * cols + c] = static_cast<T>(std::floor(keep + u) / keep);
      }
  });
  return ag::mul(v, ag::constant(mask.to(v.device())));
}

CellOutput DropoutWrapper::operator()(ParamStore& ps, const Var& x, const State& state) {
  if (!enabled_) return (*cell_)(ps, x, state);
  Var in = drop(x, options_.input_keep_prob, 0);
  CellOutput out = (*cell_)(ps, in, state);
  if (options_.state_keep_prob < 1.0) {
    // Drop every leaf except the c of an LSTMStateTuple (late TF's default state filter).
    std::uint64_t leaf = 0;
    std::function<State(const State&, bool)> visit = [&](const State& s, bool is_c) -> State {
      if (s.is_leaf()) {
        const std::uint64_t which = 2 + leaf++;
        return is_c ? s : State(drop(s.leaf(), options_.state_keep_prob, which));
      }
      std::vector<State> items;
      for (std::size_t i = 0; i < s.size(); ++i) items.push_back(visit(s[i], s.is_lstm_tuple() && i == 0));
      return s.is_lstm_tuple() ? State::lstm(items[0], items[1]) : State::tuple(std::move(items));
    };
    out.state = visit(out.state, false);
  }
  out.output = drop(out.output, options_.output_keep_prob, 1);
  if (!options_.variational_recurrent) ++counter_;
  return out;
}

}  // namespace s2s::nn
