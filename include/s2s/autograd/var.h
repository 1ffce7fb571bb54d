#pragma once
// Owns: Var (a tensor that takes part in differentiation) and the reverse-mode Tape.
//
// How it works: every op in autograd/ops.h computes its result eagerly and, when a Tape is active
// on this thread and an input requires a gradient, records a closure that maps the output's
// gradient to its inputs' gradients. Tape::backward runs the closures in reverse order.
// Gradient contract: every backward ACCUMULATES (+=) into the input's grad buffer, which is
// allocated (zeroed) on first use; fan-out therefore sums for free, and parameter gradients
// accumulate across calls until the caller zeroes them.
// Row-sparse mode (set_sparse_grad, for [V, D] leaves read through embedding_lookup: embedding
// tables, the sampled-softmax proj_w): a lookup's backward appends (ids, rows of dy) to the leaf
// instead of scatter-adding into its dense buffer, and take_sparse_grad() coalesces them into a
// RowSparse (sorted unique ids, rows summed in backward order: bitwise the dense gradient's rows,
// kernels/sparse_rows.h). If any other op writes the leaf's dense gradient during backward, the
// pieces are added into the dense buffer instead and take_sparse_grad() says so (dense fallback).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "s2s/core/row_sparse.h"
#include "s2s/core/tensor.h"

namespace s2s::ag {

struct Node {
  Tensor value;
  Tensor grad;               // undefined until something writes into it
  bool requires_grad = false;
  bool is_leaf = true;       // created by the user (parameters, inputs), not by an op
  std::string name;          // parameters: the TF-style variable name
  // Row-sparse mode (see the header comment).
  bool sparse_grad = false;
  std::vector<std::pair<Tensor, Tensor>> sparse_pieces;  // (ids int32 [n], dy [n, D]) in backward order
  bool dense_touched = false;  // an op's backward read/wrote `grad` while sparse_grad was on
};

class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const;
  Tensor& mutable_value();            // in-place updates (optimizers, loading)
  bool requires_grad() const { return node_ && node_->requires_grad; }
  bool has_grad() const { return node_ && node_->grad.defined(); }
  Tensor& grad() const;               // allocates a zero gradient on first use
  void zero_grad() const;                 // zeroes an existing gradient buffer (keeps the memory), drops sparse pieces
  // Row-sparse mode (leaves only).
  void set_sparse_grad(bool on) const;
  bool sparse_grad() const { return node_ && node_->sparse_grad; }
  // The step's row-sparse gradient, coalesced; the pieces are consumed. Undefined (defined() ==
  // false) when an op wrote the dense gradient too: the pieces were then added into grad(), which
  // holds the whole gradient. A leaf no lookup reached gives K = 0 rows.
  RowSparse take_sparse_grad() const;
  const std::string& name() const;

  const Shape& shape() const { return value().shape(); }
  std::int64_t dim(int i) const { return value().dim(i); }
  int ndim() const { return value().ndim(); }
  DType dtype() const { return value().dtype(); }
  Device device() const { return value().device(); }

  Node* node() const { return node_.get(); }
  const std::shared_ptr<Node>& node_ptr() const { return node_; }
  static Var from_node(std::shared_ptr<Node> n) { Var v; v.node_ = std::move(n); return v; }

 private:
  std::shared_ptr<Node> node_;
};

// A Var with no gradient: constants, inputs, masks.
inline Var constant(Tensor value) { return Var(std::move(value), false); }

class Tape {
 public:
  using BackwardFn = std::function<void(const Tensor& grad_output)>;
  // Called once per leaf that requires a gradient, as soon as its gradient is final (all of its
  // uses have been back-propagated): the hook for overlapping gradient all-reduce with backward.
  using GradReadyFn = std::function<void(const Var& leaf)>;

  void record(const Var& output, std::vector<Var> inputs, BackwardFn fn);
  // Runs every recorded closure in reverse order. Outputs whose gradient was never written are
  // skipped (nothing downstream depends on them).
  void backward(const GradReadyFn& on_ready = {});
  // Seeds d(root)/d(root) = 1 for a one-element root, then backward().
  void backward(const Var& root, const GradReadyFn& on_ready = {});
  void clear();
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::shared_ptr<Node> output;
    std::vector<std::shared_ptr<Node>> inputs;
    BackwardFn fn;
  };
  std::vector<Entry> entries_;
};

// The tape ops record into on this thread (nullptr: no recording, e.g. inference).
Tape* active_tape();
class TapeScope {
 public:
  explicit TapeScope(Tape* tape);
  ~TapeScope();
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;

 private:
  Tape* previous_;
};

}  // namespace s2s::ag
