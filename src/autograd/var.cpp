// Owns: Var storage/gradient management and the Tape's reverse sweep.
#include "s2s/autograd/var.h"

#include <unordered_map>

#include "s2s/kernels/fill.h"
#include "s2s/kernels/sparse_rows.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::ag {

namespace {
thread_local Tape* t_tape = nullptr;
thread_local bool t_in_backward_op = false;  // inside a recorded closure (not the on_ready hook)
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
  if (t_in_backward_op && node_->sparse_grad) node_->dense_touched = true;
  return node_->grad;
}
void Var::zero_grad() const {
  if (has_grad()) node_->grad.fill_zero();
  if (node_) {
    node_->sparse_pieces.clear();
    node_->dense_touched = false;
  }
}
void Var::set_sparse_grad(bool on) const {
  S2S_CHECK(node_ != nullptr, "use of an undefined Var");
  S2S_CHECK(!on || (node_->is_leaf && node_->value.ndim() == 2), "set_sparse_grad: '", node_->name,
            "' must be a 2-D leaf, got ", shape_str(node_->value.shape()));
  node_->sparse_grad = on;
  node_->sparse_pieces.clear();
  node_->dense_touched = false;
}
RowSparse Var::take_sparse_grad() const {
  S2S_CHECK(node_ != nullptr && node_->sparse_grad, "take_sparse_grad: '", node_ ? node_->name : std::string(),
            "' is not in row-sparse mode");
  Node& n = *node_;
  const Tensor& v = n.value;
  std::vector<std::pair<Tensor, Tensor>> pieces = std::move(n.sparse_pieces);
  n.sparse_pieces.clear();
  if (n.dense_touched) {  // fall back: the dense buffer gets the lookups' rows too
    n.dense_touched = false;
    Tensor g = grad();
    for (const auto& [ids, rows] : pieces) kern::embedding_scatter_add(g, rows, ids);
    return {};
  }
  std::int64_t total = 0;
  for (const auto& piece : pieces) total += piece.first.numel();
  const std::int64_t width = v.dim(1);
  Tensor ids = Tensor::empty({total}, DType::I32, v.device());
  Tensor rows = Tensor::empty({total, width}, v.dtype(), v.device());
  std::int64_t at = 0;
  for (const auto& [piece_ids, piece_rows] : pieces) {
    const std::int64_t m = piece_ids.numel();
    if (m == 0) continue;
    ids.rows(at, at + m).copy_from(piece_ids.reshape({m}));
    rows.rows(at, at + m).copy_from(piece_rows.reshape({m, width}));
    at += m;
  }
  return kern::coalesce_rows(ids, rows, v.dim(0));
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
    if (e.output->grad.defined()) {
      t_in_backward_op = true;
      try {
        e.fn(e.output->grad);
      } catch (...) {
        t_in_backward_op = false;
        throw;
      }
      t_in_backward_op = false;
    }
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
