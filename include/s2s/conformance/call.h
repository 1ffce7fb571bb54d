#pragma once
// Owns: building and running the call a fixture describes. A CallContext hands the fixture's
// inputs to the call as Vars on the chosen device (float inputs take gradients; sequences [T, ...]
// become T per-step leaves whose gradients are re-stacked afterwards), holds the ParamStore
// preloaded with /params (so every variable the call creates must come from the file), and
// collects the results under the paths of /expected ("outputs", "state/0", "bucket_1/loss", ...).
// run_call() dispatches on fixture.function (cells, static_rnn, linear, the 13 functions,
// sampled_softmax_loss).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "s2s/autograd/param_store.h"
#include "s2s/conformance/fixture.h"
#include "s2s/conformance/kwargs.h"
#include "s2s/nn/model_with_buckets.h"
#include "s2s/nn/seq2seq_types.h"

namespace s2s::conformance {

class CallContext {
 public:
  CallContext(const Fixture& fixture, Device device);

  const Fixture& fixture() const { return fixture_; }
  ag::ParamStore& store() { return store_; }
  DType dtype() const { return fixture_.dtype; }
  Device device() const { return device_; }
  const Kwargs& kwargs() const { return kwargs_; }

  // ---- inputs (each call marks the path consumed) ----
  bool has_input(const std::string& path) const;
  bool has_input_group(const std::string& prefix) const;   // any input under prefix/
  std::vector<std::string> input_children(const std::string& prefix) const;  // direct children names
  ag::Var input(const std::string& path);                   // float: a leaf taking gradients
  std::vector<ag::Var> sequence(const std::string& path);   // [T, ...] -> T Vars (ids: constants)
  nn::Ids ids_sequence(const std::string& path);            // int32 [T, B] -> T tensors [B]
  Tensor constant(const std::string& path);                 // no gradient (ids, expected counts)
  // prefix/0, prefix/1, ... packed into `structure` (depth-first).
  nn::State state(const std::string& prefix, const nn::StateSize& structure);
  std::vector<std::string> unconsumed_inputs() const;

  // A parameter the caller owns (output_projection/w|b): taken from /params through the store.
  ag::Var caller_param(const std::string& name);
  std::optional<nn::OutputProjection> output_projection(bool wanted);

  // ---- results ----
  void set_result(const std::string& path, const ag::Var& v);
  void set_sequence(const std::string& path, const std::vector<ag::Var>& steps);  // stacked to [T, ...]
  void set_state(const std::string& prefix, const nn::State& s);

  struct Result {
    std::vector<ag::Var> parts;  // one tensor, or T steps
    bool stacked = false;
  };
  const std::map<std::string, Result>& results() const { return results_; }
  // Float inputs with their (re-stacked) gradient after backward.
  struct FloatInput {
    std::vector<ag::Var> parts;
    bool stacked = false;
    Shape shape;
    bool compared = true;  // false for sampled expected counts (stop_gradient in TF)
  };
  const std::map<std::string, FloatInput>& float_inputs() const { return float_inputs_; }

 private:
  const Tensor& take(const std::string& path);
  const Fixture& fixture_;
  Device device_;
  ag::ParamStore store_;
  Kwargs kwargs_;
  std::map<std::string, bool> consumed_;
  std::map<std::string, Result> results_;
  std::map<std::string, FloatInput> float_inputs_;
};

// Builds and runs the fixture's call under the active tape; fills ctx's results.
void run_call(CallContext& ctx);

// The seq2seq function `function` (basic_rnn_seq2seq, tied_rnn_seq2seq, embedding_rnn_seq2seq,
// embedding_tied_rnn_seq2seq, embedding_attention_seq2seq) configured from `kw`, as a closure over
// (encoder inputs, decoder inputs): what model_with_buckets calls per bucket. Caller-owned
// parameters (output_projection) are taken from the store when the closure is made.
nn::Seq2SeqFn make_seq2seq_fn(CallContext& ctx, const std::string& function, const Kwargs& kw);
nn::LoopFunction loop_function_of(const Kwargs& kw);  // "loop_function": null | "identity"

// Per-family runners (dispatch targets of run_call); each returns false if it does not know the name.
bool run_cell_call(CallContext& ctx);       // cells, static_rnn, linear
bool run_decoder_call(CallContext& ctx);    // rnn_decoder, attention and embedding decoders, *_seq2seq
bool run_loss_call(CallContext& ctx);       // losses, sampled_softmax_loss, model_with_buckets

}  // namespace s2s::conformance
