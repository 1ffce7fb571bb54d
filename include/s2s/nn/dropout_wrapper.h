#pragma once
// Owns: DropoutWrapper (spec §1.9): inverted dropout on the cell input, the new state and the
// output (in that order, as TF), each with its keep probability (1.0 = no op). Adds no scope.
//   - Masks: keep = floor(keep_prob + u) with u from Philox (seed, stream); values are scaled by
//     1/keep_prob. The mask is a pure function of (seed, call counter, which tensor, element), so
//     the CPU and CUDA backends (and any rank) draw the same masks.
//   - variational_recurrent=false: a fresh mask per call. true: one mask per tensor of shape
//     [1, size] broadcast over the batch (as TF's recurrent noise) and reused for every step until
//     start_sequence() is called.
//   - State dropout skips the c of every LSTMStateTuple (late TF's default state filter).
// Errors: "Parameter input_keep_prob must be between 0 and 1: P" (likewise output/state),
// "When variational_recurrent=True, dtype must be provided", "When variational_recurrent=True and
// input_keep_prob < 1.0 or is unknown, input_size must be provided".
#include <cstdint>
#include <optional>

#include "s2s/nn/cell.h"

namespace s2s::nn {

struct DropoutOptions {
  double input_keep_prob = 1.0;
  double output_keep_prob = 1.0;
  double state_keep_prob = 1.0;
  bool variational_recurrent = false;
  std::optional<std::int64_t> input_size;  // required with variational_recurrent + input dropout
  std::optional<DType> dtype;              // required with variational_recurrent
  std::uint64_t seed = 0;
};

class DropoutWrapper : public RNNCell {
 public:
  DropoutWrapper(CellPtr cell, DropoutOptions options = {});
  std::int64_t output_size() const override { return cell_->output_size(); }
  StateSize state_size() const override { return cell_->state_size(); }
  CellOutput operator()(ParamStore& ps, const Var& x, const State& state) override;
  std::string_view name() const override { return "dropout_wrapper"; }

  void set_enabled(bool on) { enabled_ = on; }  // off: the identity (evaluation, decoding)
  void start_sequence() { ++counter_; }         // new variational masks for the next sequence
  // The whole RNG state (with options().seed): checkpoint it to resume the same masks.
  std::uint64_t counter() const { return counter_; }
  void set_counter(std::uint64_t c) { counter_ = c; }
  const DropoutOptions& options() const { return options_; }

 private:
  Var drop(const Var& v, double keep, std::uint64_t which);
  CellPtr cell_;
  DropoutOptions options_;
  bool enabled_ = true;
  std::uint64_t counter_ = 0;
};

}  // namespace s2s::nn
