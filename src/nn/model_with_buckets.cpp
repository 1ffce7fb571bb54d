// Owns: model_with_buckets and the single-bucket form a training step runs (spec §6).
#include "s2s/nn/model_with_buckets.h"

#include <algorithm>

namespace s2s::nn {
namespace {

template <class T>
std::vector<T> prefix(const std::vector<T>& v, std::int64_t n) {
  return std::vector<T>(v.begin(), v.begin() + std::min<std::int64_t>(n, static_cast<std::int64_t>(v.size())));
}

BucketOutput run_bucket(const Bucket& bucket, const std::vector<Var>& encoder_inputs,
                        const std::vector<Var>& decoder_inputs, const std::vector<Tensor>& targets,
                        const std::vector<Var>& weights, const Seq2SeqFn& seq2seq,
                        const ModelWithBucketsOptions& options) {
  RnnOutput out = seq2seq(prefix(encoder_inputs, bucket.first), prefix(decoder_inputs, bucket.second));
  SequenceLossOptions lo;
  lo.softmax_loss_function = options.softmax_loss_function;
  const auto t = prefix(targets, bucket.second);
  const auto w = prefix(weights, bucket.second);
  BucketOutput result;
  result.loss = options.per_example_loss ? sequence_loss_by_example(out.outputs, t, w, lo)
                                         : sequence_loss(out.outputs, t, w, lo);
  result.outputs = std::move(out.outputs);
  return result;
}

void check_lengths(const std::vector<Var>& encoder_inputs, const std::vector<Tensor>& targets,
                   const std::vector<Var>& weights, const std::vector<Bucket>& buckets) {
  S2S_CHECK(!buckets.empty(), "model_with_buckets: no buckets");
  const Bucket& last = buckets.back();
  S2S_CHECK(static_cast<std::int64_t>(encoder_inputs.size()) >= last.first, "Length of encoder_inputs (",
            encoder_inputs.size(), ") must be at least that of last bucket (", last.first, ").");
  S2S_CHECK(static_cast<std::int64_t>(targets.size()) >= last.second, "Length of targets (", targets.size(),
            ") must be at least that of lastbucket (", last.second, ").");
  S2S_CHECK(static_cast<std::int64_t>(weights.size()) >= last.second, "Length of weights (", weights.size(),
            ") must be at least that of lastbucket (", last.second, ").");
}

}  // namespace

BucketsOutput model_with_buckets(ParamStore& ps, const std::vector<Var>& encoder_inputs,
                                 const std::vector<Var>& decoder_inputs, const std::vector<Tensor>& targets,
                                 const std::vector<Var>& weights, const std::vector<Bucket>& buckets,
                                 const Seq2SeqFn& seq2seq, const ModelWithBucketsOptions& options) {
  check_lengths(encoder_inputs, targets, weights, buckets);
  BucketsOutput out;
  for (std::size_t j = 0; j < buckets.size(); ++j) {
    // Bucket j > 0 reuses every variable of bucket 0 (§6; TF's reuse=True if j > 0 else None).
    std::optional<ag::VariableScope> reuse;
    if (j > 0) reuse.emplace(ps, "", ag::Reuse::Yes);
    BucketOutput b = run_bucket(buckets[j], encoder_inputs, decoder_inputs, targets, weights, seq2seq, options);
    out.outputs.push_back(std::move(b.outputs));
    out.losses.push_back(std::move(b.loss));
  }
  return out;
}

BucketOutput model_for_bucket(ParamStore& ps, std::size_t bucket, const std::vector<Var>& encoder_inputs,
                              const std::vector<Var>& decoder_inputs, const std::vector<Tensor>& targets,
                              const std::vector<Var>& weights, const std::vector<Bucket>& buckets,
                              const Seq2SeqFn& seq2seq, const ModelWithBucketsOptions& options) {
  check_lengths(encoder_inputs, targets, weights, buckets);
  S2S_CHECK(bucket < buckets.size(), "model_for_bucket: bucket ", bucket, " of ", buckets.size());
  ag::VariableScope reuse(ps, "", ag::Reuse::Auto);
  return run_bucket(buckets[bucket], encoder_inputs, decoder_inputs, targets, weights, seq2seq, options);
}

}  // namespace s2s::nn
