// Owns: Var storage/gradient management and the Tape's reverse sweep.
#include "s2s/autograd/var.h"

#include <unordered_map>

#include "s2s/kernels/fill.h"

namespace s2s::ag {

namespace {
thread_local Tape* t_tape = nullptr;
}

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

const Tensor& Var::value() const {
  S2S_CHECK(node_ != nullptr, "use of an undefined Var");
  return node_->value;
}
Tensor& Var::mutable_value() {
  S2S_CHECK(node_ != nullptr, "use of an undefined Var");
  return node_->value;
}
Tensor& Var::grad() const {
  S2S_CHECK(node_ != nullptr, "use of an undefined Var");
  if (!node_->grad.defined())
    node_->grad = Tensor::zeros(node_->value.shape(), node_->value.dtype(), node_->value.device());
  return node_->grad;
}
void Var::zero_grad() const {
  if (has_grad()) node_->grad.fill_zero();
}
const std::string& Var::name() const {
  S2S_CHECK(node_ != nullptr, "use of an undefined Var");
  return node_->name;
}

void Tape::record(const Var& output, std::vector<Var> inputs, BackwardFn fn) {
  Entry e;
  e.output = output.node_ptr();
  e.output->is_leaf = false;
  e.output->requires_grad = true;
  e.inputs.reserve(inputs.size());
  for (auto& v : inputs) e.inputs.push_back(v.node_ptr());
  e.fn = std::move(fn);
  entries_.push_back(std::move(e));
}

void Tape::backward(const GradReadyFn& on_ready) {
  // A leaf's gradient is final once the earliest entry that reads it has run.
  std::unordered_map<Node*, std::size_t> first_use;
  if (on_ready) {
    for (std::size_t i = entries_.size(); i-- > 0;)
      for (auto& in : entries_[i].inputs)
        if (in && in->is_leaf && in->requires_grad) first_use[in.get()] = i;
  }
  for (std::size_t i = entries_.size(); i-- > 0;) {
    Entry& e = entries_[i];
    if (e.output->grad.defined()) e.fn(e.output->grad);
    if (on_ready) {
      for (auto& in : e.inputs) {
        auto it = in ? first_use.find(in.get()) : first_use.end();
        if (it != first_use.end() && it->second == i) {
          first_use.erase(it);
          on_ready(Var::from_node(in));
        }
      }
    }
  }
}

void Tape::backward(const Var& root, const GradReadyFn& on_ready) {
  S2S_CHECK(root.value().numel() == 1, "backward(root) needs a one-element root, got shape ",
            shape_str(root.shape()));
  Var r = root;
  kern::fill(r.grad(), 1.0);  // the seed dL/dL = 1, written on the root's device (no upload)
  backward(on_ready);
}

void Tape::clear() { entries_.clear(); }

Tape* active_tape() { return t_tape; }
TapeScope::TapeScope(Tape* tape) : previous_(t_tape) { t_tape = tape; }
TapeScope::~TapeScope() { t_tape = previous_; }

}  // namespace s2s::ag
