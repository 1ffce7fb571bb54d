#pragma once
// Owns: the RNN cell interface (spec §1.0) and the activations cells accept.
//
// A cell maps (x_t [B, in], state) -> (output [B, output_size], new state). Cells hold no
// variables: each call opens the cell's own scope (`gru_cell`, …, §13.1) under the current
// variable scope and takes its variables with ParamStore::get_variable, so sharing is by name
// exactly as §13.1 rule 6 states (every time step, tied encoder/decoder, buckets). Callers set
// reuse on the scope (static_rnn and the decoders do it for steps > 0, as TF does).
// Consequence (documented decision, docs/nn.md): TF's `deepcopy(cell)` is just "the same cell
// called under another scope", and one cell object used for two MultiRNNCell layers gets
// separate weights per layer (cell_0, cell_1).
#include <cstdint>
#include <memory>
#include <string_view>

#include "s2s/autograd/param_store.h"
#include "s2s/nn/state.h"

namespace s2s::nn {

using ag::ParamStore;
using ag::Var;

enum class Activation { Tanh, Sigmoid, Relu, Identity };
Var apply_activation(Activation f, const Var& x);
Activation activation_from_name(std::string_view name);  // "tanh", "sigmoid", "relu", "identity"/"linear"
std::string_view activation_name(Activation f);

struct CellOutput {
  Var output;   // [B, output_size]
  State state;  // the new state, structured as state_size()
};

class RNNCell {
 public:
  virtual ~RNNCell() = default;
  virtual std::int64_t output_size() const = 0;
  virtual StateSize state_size() const = 0;
  // One step in the current variable scope of `ps`. `x` is float [B, in] (int32 ids [B] for an
  // EmbeddingWrapper); `state` must have the structure of state_size().
  virtual CellOutput operator()(ParamStore& ps, const Var& x, const State& state) = 0;
  // Zeros in the structure of state_size(): [B, size] per leaf.
  virtual State zero_state(std::int64_t batch, DType dtype, Device device = Device::CPU) const;
  virtual std::string_view name() const = 0;  // TF's scope name ("gru_cell"); "dropout_wrapper" for logs
};

using CellPtr = std::shared_ptr<RNNCell>;

namespace detail {
// Checks shared by the cells: x is a float [B, in] matrix, `what` names the cell.
void check_step_input(const Var& x, std::string_view what);
// A state leaf of shape [B, n].
void check_state_leaf(const Var& s, std::int64_t batch, std::int64_t n, std::string_view what);
}  // namespace detail

}  // namespace s2s::nn
