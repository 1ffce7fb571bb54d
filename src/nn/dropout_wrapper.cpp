// Owns: DropoutWrapper (spec §1.9): which mask each tensor gets (the counter, its base in device
// memory and the host offset); the masks themselves are drawn by kern::dropout_mask.
#include "s2s/nn/dropout_wrapper.h"

#include <functional>

#include "s2s/autograd/ops.h"
#include "s2s/kernels/dropout.h"

namespace s2s::nn {
namespace {

void check_keep(double p, const char* name) {
  S2S_CHECK(p >= 0.0 && p <= 1.0, "Parameter ", name, " must be between 0 and 1: ", p);
}

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

void DropoutWrapper::bind_step_counter(Tensor base) {
  if (base.defined())
    S2S_CHECK(base.dtype() == DType::I64 && base.numel() == 1,
              "dropout_wrapper: the step counter must be one int64, got ", dtype_name(base.dtype()), " ",
              shape_str(base.shape()));
  bound_base_ = std::move(base);
  begun_ = false;
}

void DropoutWrapper::begin_step() {
  counter_at_begin_ = counter_;
  begun_ = true;
}

const Tensor& DropoutWrapper::base_on(Device device, std::uint64_t& offset) {
  if (bound_base_.defined()) {
    S2S_CHECK(begun_, "dropout_wrapper: a step counter is bound but begin_step() was not called");
    S2S_CHECK(bound_base_.device() == device, "dropout_wrapper: the step counter is on ",
              device_name(bound_base_.device()), ", the value on ", device_name(device));
    offset = counter_ - counter_at_begin_;
    return bound_base_;
  }
  if (!own_base_.defined() || own_base_.device() != device) {
    own_base_value_ = counter_;
    Tensor host = Tensor::from_vector<std::int64_t>({1}, {static_cast<std::int64_t>(counter_)});
    own_base_ = device == Device::CPU ? host : host.to(device);
  }
  offset = counter_ - own_base_value_;  // modulo 2^64: exact after any set_counter
  return own_base_;
}

Var DropoutWrapper::drop(const Var& v, double keep, std::uint64_t which) {
  if (keep >= 1.0) return v;
  S2S_CHECK(v.ndim() == 2, "dropout_wrapper: expected a [B, n] tensor, got ", shape_str(v.shape()));
  std::uint64_t offset = 0;
  const Tensor& base = base_on(v.device(), offset);
  Tensor mask = Tensor::empty(v.shape(), v.dtype(), v.device());
  kern::dropout_mask(mask, base, offset, options_.seed, which, keep, options_.variational_recurrent);
  return ag::mul(v, ag::constant(mask));
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
