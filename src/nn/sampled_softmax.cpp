// Owns: the log-uniform candidate sampler and sampled_softmax_loss (spec §7).
#include "s2s/nn/sampled_softmax.h"

#include <cmath>
#include <unordered_set>

#include "s2s/autograd/ops.h"
#include "s2s/autograd/sampled_logit_ops.h"

namespace s2s::nn {
namespace {

// Expected counts in the logits' dtype (a host tensor from the sampler is converted on the host;
// the kernels take log Q on the logits' device).
Tensor counts_as(const Tensor& q, DType dtype) {
  if (q.dtype() == dtype) return q;  // on any device: the kernels move nothing then
  return q.to(Device::CPU).to_dtype(dtype);
}

}  // namespace

LogUniformSampler::LogUniformSampler(std::int64_t range_max) : range_(range_max), log_range_(std::log1p(double(range_max))) {
  S2S_CHECK(range_max > 0, "log_uniform sampler: range_max must be > 0, got ", range_max);
}

double LogUniformSampler::probability(std::int64_t k) const {
  return std::log((double(k) + 2.0) / (double(k) + 1.0)) / log_range_;
}

std::int64_t LogUniformSampler::draw(PhiloxStream& rng) const {
  const auto value = static_cast<std::int64_t>(std::exp(rng.uniform() * log_range_)) - 1;
  return value % range_;
}

double LogUniformSampler::expected_count(double p, std::int64_t num_sampled, std::int64_t num_tries) {
  if (num_tries == num_sampled) return p * double(num_sampled);
  return -std::expm1(double(num_tries) * std::log1p(-p));
}

LogUniformSampler::Draw LogUniformSampler::sample(std::int64_t num_sampled, bool unique, PhiloxStream& rng) const {
  S2S_CHECK(num_sampled >= 0, "num_sampled must be >= 0, got ", num_sampled);
  S2S_CHECK(!unique || num_sampled <= range_, "Sampler's range is too small.");
  Draw d;
  d.sampled.reserve(static_cast<std::size_t>(num_sampled));
  if (!unique) {
    for (std::int64_t i = 0; i < num_sampled; ++i) d.sampled.push_back(draw(rng));
    d.num_tries = num_sampled;
    return d;
  }
  std::unordered_set<std::int64_t> seen;
  while (static_cast<std::int64_t>(d.sampled.size()) < num_sampled) {
    const std::int64_t k = draw(rng);
    ++d.num_tries;
    if (seen.insert(k).second) d.sampled.push_back(k);
  }
  return d;
}

SampledValues LogUniformSampler::sample_with_counts(const Tensor& true_classes, std::int64_t num_sampled, bool unique,
                                                    PhiloxStream& rng, DType dtype) const {
  const Tensor labels = true_classes.to(Device::CPU);
  S2S_CHECK(labels.dtype() == DType::I32, "sampler: true_classes must be int32");
  for (std::int32_t l : labels.to_vector<std::int32_t>())
    S2S_CHECK(l >= 0 && l < range_, "sampler: true class ", l, " is outside [0, ", range_, ")");
  Draw d = sample(num_sampled, unique, rng);
  SampledValues out;
  std::vector<std::int32_t> ids(d.sampled.begin(), d.sampled.end());
  out.sampled_candidates = Tensor::from_vector<std::int32_t>({num_sampled}, ids);
  Tensor tq = Tensor::empty(labels.ndim() == 1 ? Shape{labels.dim(0), 1} : labels.shape(), DType::F64);
  Tensor sq = Tensor::empty({num_sampled}, DType::F64);
  const auto* pl = labels.data<std::int32_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    tq.data<double>()[i] = expected_count(probability(pl[i]), num_sampled, d.num_tries);
  for (std::int64_t j = 0; j < num_sampled; ++j)
    sq.data<double>()[j] = expected_count(probability(d.sampled[j]), num_sampled, d.num_tries);
  out.true_expected_count = tq.to_dtype(dtype);
  out.sampled_expected_count = sq.to_dtype(dtype);
  return out;
}

Var sampled_softmax_loss(const Var& weights, const Var& biases, const Tensor& labels, const Var& inputs,
                         const SampledSoftmaxOptions& options) {
  S2S_CHECK(weights.ndim() == 2 && biases.ndim() == 1 && biases.dim(0) == weights.dim(0),
            "sampled_softmax_loss: weights must be [V, d] and biases [V], got ", shape_str(weights.shape()), " and ",
            shape_str(biases.shape()));
  S2S_CHECK(inputs.ndim() == 2 && inputs.dim(1) == weights.dim(1), "sampled_softmax_loss: inputs must be [B, ",
            weights.dim(1), "], got ", shape_str(inputs.shape()));
  const std::int64_t B = inputs.dim(0), V = weights.dim(0), d = weights.dim(1), nt = options.num_true;
  S2S_CHECK(nt >= 1 && labels.numel() == B * nt && labels.dtype() == DType::I32, "sampled_softmax_loss: labels must be int32 [",
            B, ", ", nt, "], got ", dtype_name(labels.dtype()), " ", shape_str(labels.shape()));
  S2S_CHECK(options.num_classes == V, "sampled_softmax_loss: num_classes ", options.num_classes, " but weights have ",
            V, " rows");
  // Labels on the host are checked here (TF's message); labels already on a device are not read
  // back (a step must not wait for the GPU): the device gathers report an id outside [0, V).
  const bool labels_on_host = labels.device() == Device::CPU;
  if (labels_on_host)
    for (std::int32_t l : labels.to_vector<std::int32_t>())
      S2S_CHECK(l >= 0 && l < V, "sampled_softmax_loss: label ", l, " is outside [0, ", V, ")");

  SampledValues sv;
  if (options.sampled_values) {
    sv = *options.sampled_values;
  } else {
    S2S_CHECK(options.rng != nullptr, "sampled_softmax_loss: needs sampled_values or an rng to draw them");
    const Tensor host_labels = labels_on_host ? labels.reshape({B, nt}) : labels.to(Device::CPU).reshape({B, nt});
    sv = LogUniformSampler(V).sample_with_counts(host_labels, options.num_sampled, /*unique=*/true, *options.rng,
                                                  inputs.dtype());
  }
  const Tensor& sampled = sv.sampled_candidates;
  const std::int64_t S = sampled.numel();
  S2S_CHECK(sampled.dtype() == DType::I32 && sv.true_expected_count.numel() == B * nt &&
                sv.sampled_expected_count.numel() == S,
            "sampled_softmax_loss: sampled_values must be int32 [S], [B, num_true] and [S]");
  const Device dev = inputs.device();
  const DType dt = inputs.dtype();

  // True logits [B, nt]: x_b · W[label] + b[label] − log Q(label).
  const Tensor label_ids = labels.reshape({B * nt});  // on the labels' device (the gather moves it if needed)
  Var bias_col = ag::reshape(biases, {V, 1});
  Var true_w = ag::reshape(ag::embedding_lookup(weights, label_ids), {B, nt, d});
  Var true_dots = ag::reshape(ag::matmul(true_w, ag::reshape(inputs, {B, d, 1})), {B, nt});
  Var true_logits = ag::add(true_dots, ag::reshape(ag::embedding_lookup(bias_col, label_ids), {B, nt}));
  true_logits = ag::subtract_log_q(true_logits, counts_as(sv.true_expected_count, dt).reshape({B, nt}));

  // Sampled logits [B, S]: x_b · W[s_j] + b[s_j] (−FLT_MAX on accidental hits) − log Q(s_j).
  const Tensor sampled_ids = sampled.to(dev);  // uploaded once for both gathers and the hit mask
  Var sampled_w = ag::embedding_lookup(weights, sampled_ids);
  Var sampled_logits = ag::add_bias(ag::matmul(inputs, sampled_w, false, true),
                                    ag::reshape(ag::embedding_lookup(bias_col, sampled_ids), {S}));
  if (options.remove_accidental_hits)
    sampled_logits = ag::mask_accidental_hits(sampled_logits, sampled_ids, labels.reshape({B, nt}));
  sampled_logits = ag::subtract_log_q(sampled_logits, counts_as(sv.sampled_expected_count, dt).reshape({S}));

  Var logits = ag::concat({true_logits, sampled_logits});  // [B, nt + S]
  if (nt == 1) return ag::softmax_cross_entropy(logits, Tensor::zeros({B}, DType::I32, dev));
  // Soft labels 1/nt on the true columns: −(1/nt) Σ_k log_softmax_k.
  return ag::scale(ag::row_sum(ag::slice_columns(ag::log_softmax(logits), 0, nt)), -1.0 / double(nt));
}

SoftmaxLossFn make_sampled_softmax_loss(const Var& weights, const Var& biases, std::int64_t num_sampled,
                                        std::int64_t num_classes, PhiloxStream* rng, SampledValuesSource source,
                                        bool remove_accidental_hits) {
  return [=](const Tensor& labels, const Var& logits) -> Var {
    const Tensor labels2d = labels.reshape({labels.numel(), 1});
    SampledSoftmaxOptions o;
    o.num_sampled = num_sampled;
    o.num_classes = num_classes;
    o.remove_accidental_hits = remove_accidental_hits;
    o.rng = rng;
    if (source) o.sampled_values = source(labels2d);
    return sampled_softmax_loss(weights, biases, labels2d, logits, o);
  };
}

}  // namespace s2s::nn
