#pragma once
// Owns: model_with_buckets (spec §6): for each bucket (I_j, O_j), outputs_j =
// seq2seq(encoder_inputs[:I_j], decoder_inputs[:O_j]).outputs and its loss (sequence_loss, or
// sequence_loss_by_example with per_example_loss), bucket j > 0 under reuse so all buckets share
// every variable. Only the last bucket is checked against the input lengths (TF's text, with its
// missing spaces): "Length of encoder_inputs (N) must be at least that of last bucket (I).",
// "Length of targets (N) must be at least that of lastbucket (O).", "Length of weights (N) must be
// at least that of lastbucket (O).".
#include <functional>
#include <utility>
#include <vector>

#include "s2s/nn/losses.h"

namespace s2s::nn {

using Bucket = std::pair<std::int64_t, std::int64_t>;  // (encoder length I, decoder length O)

// The seq2seq function of a bucket. Ids are passed as constant int32 Vars (see ids_as_vars);
// float inputs (basic_rnn_seq2seq) as they are.
using Seq2SeqFn = std::function<RnnOutput(const std::vector<Var>& encoder_inputs,
                                          const std::vector<Var>& decoder_inputs)>;

struct ModelWithBucketsOptions {
  SoftmaxLossFn softmax_loss_function;
  bool per_example_loss = false;
};

struct BucketsOutput {
  std::vector<std::vector<Var>> outputs;  // per bucket: O_j outputs
  std::vector<Var> losses;                // per bucket: scalar, or [B] with per_example_loss
};

BucketsOutput model_with_buckets(ParamStore& ps, const std::vector<Var>& encoder_inputs,
                                 const std::vector<Var>& decoder_inputs, const std::vector<Tensor>& targets,
                                 const std::vector<Var>& weights, const std::vector<Bucket>& buckets,
                                 const Seq2SeqFn& seq2seq, const ModelWithBucketsOptions& options = {});

// One bucket only (what a training step runs): the same computation as bucket j of
// model_with_buckets, with reuse = Auto so it works whichever bucket runs first.
struct BucketOutput {
  std::vector<Var> outputs;
  Var loss;
};
BucketOutput model_for_bucket(ParamStore& ps, std::size_t bucket, const std::vector<Var>& encoder_inputs,
                              const std::vector<Var>& decoder_inputs, const std::vector<Tensor>& targets,
                              const std::vector<Var>& weights, const std::vector<Bucket>& buckets,
                              const Seq2SeqFn& seq2seq, const ModelWithBucketsOptions& options = {});

}  // namespace s2s::nn
