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
//   - Masks are drawn on the value's device (kern::dropout_mask, kernels/dropout.h): no upload.
//     The kernel reads the counter as base (an int64 [1] in device memory) + a host offset, so a
//     step captured into a CUDA graph draws fresh masks at every replay. Step contract for a model
//     that captures its steps: bind_step_counter(base) once (base on the model's device, holding
//     counter() as it is at the start of each step: the model rewrites it before each step), call
//     begin_step() at the start of each forward; drop() then passes offset = counter() − the
//     counter at begin_step(), a host value that is the same at every replay of one step shape.
//     A replay runs no host code: the model adds calls_this_step() (recorded when the step ran)
//     with set_counter(). Unbound (tests, conformance, CPU), the wrapper keeps its own one-element
//     base on the value's device, written when first used there (one upload, not one per mask)
//     and advanced through the offset (modulo 2^64, so any set_counter is exact).
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

  // Step counter in device memory (int64 [1]); an undefined tensor unbinds. See the header note.
  void bind_step_counter(Tensor base);
  bool step_counter_bound() const { return bound_base_.defined(); }
  // Start of a forward: masks of this step are drawn at offsets from the counter as it is now.
  void begin_step();
  // Counter steps since begin_step() (what a replay of this step must add with set_counter).
  std::uint64_t calls_this_step() const { return counter_ - counter_at_begin_; }

 private:
  Var drop(const Var& v, double keep, std::uint64_t which);
  // The counter base and offset of the next mask on `device`.
  const Tensor& base_on(Device device, std::uint64_t& offset);
  CellPtr cell_;
  DropoutOptions options_;
  bool enabled_ = true;
  std::uint64_t counter_ = 0;
  std::uint64_t counter_at_begin_ = 0;
  bool begun_ = false;         // begin_step() called since bind_step_counter()
  Tensor bound_base_;          // the model's step counter (bind_step_counter)
  Tensor own_base_;            // unbound: one int64 on the device of the last value
  std::uint64_t own_base_value_ = 0;  // what own_base_ holds
};

}  // namespace s2s::nn
