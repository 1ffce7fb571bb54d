#pragma once
// Owns: sampled_softmax_loss with the log-uniform candidate sampler (spec §7).
//   Sampler: P(k) = log((k+2)/(k+1)) / log(V+1); one draw k = ⌊exp(U·log(V+1))⌋ − 1 (mod V) with
//   U ~ U[0, 1) in double from a PhiloxStream; unique=true draws until S distinct ids (num_tries =
//   all draws). Expected counts: S·P(k) if num_tries == S, else −expm1(num_tries·log1p(−P(k))).
//   One draw per call, shared across the batch; the stream state is the whole RNG state.
//   Loss: true logit t[b] = x_b·W[label_b] + b[label_b] − log Q(label_b); sampled
//   s[b, j] = x_b·W[S_j] + b[S_j] (−FLT_MAX where S_j is a true label of row b) − log Q(S_j);
//   loss_b = softmax cross-entropy over [t, s] with the true entries as labels (1/num_true each).
// Errors: "Sampler's range is too small." (S > V with unique), a true label outside [0, V).
#include <cstdint>
#include <functional>
#include <optional>

#include "s2s/core/philox.h"
#include "s2s/nn/losses.h"

namespace s2s::nn {

// TF's sampled_values triple. The counts are stop_gradient constants.
struct SampledValues {
  Tensor sampled_candidates;      // int32 [S]
  Tensor true_expected_count;     // float [B, num_true]
  Tensor sampled_expected_count;  // float [S]
};

class LogUniformSampler {
 public:
  explicit LogUniformSampler(std::int64_t range_max);
  std::int64_t range_max() const { return range_; }
  double probability(std::int64_t k) const;              // P(k)
  std::int64_t draw(PhiloxStream& rng) const;            // one sample
  // Expected count of k after `num_tries` draws for `num_sampled` samples.
  static double expected_count(double p, std::int64_t num_sampled, std::int64_t num_tries);
  struct Draw {
    std::vector<std::int64_t> sampled;
    std::int64_t num_tries = 0;
  };
  Draw sample(std::int64_t num_sampled, bool unique, PhiloxStream& rng) const;
  // TF's log_uniform_candidate_sampler: true_classes int32 [B, num_true]; counts in `dtype`.
  SampledValues sample_with_counts(const Tensor& true_classes, std::int64_t num_sampled, bool unique,
                                   PhiloxStream& rng, DType dtype) const;

 private:
  std::int64_t range_;
  double log_range_;  // log1p(range)
};

struct SampledSoftmaxOptions {
  std::int64_t num_sampled = 0;
  std::int64_t num_classes = 0;
  std::int64_t num_true = 1;
  bool remove_accidental_hits = true;
  std::optional<SampledValues> sampled_values;  // none: draw with `rng`
  PhiloxStream* rng = nullptr;                  // required when sampled_values is absent
};

// weights [V, d], biases [V], labels int32 [B, num_true] (or [B] when num_true = 1),
// inputs [B, d] -> loss [B].
Var sampled_softmax_loss(const Var& weights, const Var& biases, const Tensor& labels, const Var& inputs,
                         const SampledSoftmaxOptions& options);

// Where a softmax_loss_function gets its sampled values: called once per loss call with the
// labels [B, num_true]. Default (make_sampled_softmax_loss without a source): the sampler on `rng`.
using SampledValuesSource = std::function<SampledValues(const Tensor& true_classes)>;

// The tutorial's sampled_loss(labels, logits) as a SoftmaxLossFn: labels reshaped to [B, 1] and the
// decoder output as `inputs`. weights [V, d] (the tutorial's proj_w), biases [V].
SoftmaxLossFn make_sampled_softmax_loss(const Var& weights, const Var& biases, std::int64_t num_sampled,
                                        std::int64_t num_classes, PhiloxStream* rng,
                                        SampledValuesSource source = {}, bool remove_accidental_hits = true);

}  // namespace s2s::nn
