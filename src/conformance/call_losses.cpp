// Owns: the fixture calls of sequence_loss(_by_example), sampled_softmax_loss and
// model_with_buckets, including the sampled-softmax softmax_loss_function with the fixture's
// sampled values (conformance.md: "sampled/<t>/..." or "sampled/bucket_<j>/<t>/...").
#include "s2s/autograd/arith_ops.h"
#include "s2s/conformance/call.h"
#include "s2s/nn/losses.h"
#include "s2s/nn/model_with_buckets.h"
#include "s2s/nn/sampled_softmax.h"
#include "s2s/nn/static_rnn.h"

namespace s2s::conformance {
namespace {

nn::SampledValues sampled_values_at(CallContext& ctx, const std::string& prefix) {
  nn::SampledValues v;
  v.sampled_candidates = ctx.constant(prefix + "/sampled_candidates");
  v.true_expected_count = ctx.constant(prefix + "/true_expected_count");
  v.sampled_expected_count = ctx.constant(prefix + "/sampled_expected_count");
  return v;
}

// The softmax_loss_function of kwargs (null: full softmax). `prefixes` lists the sampled-values
// groups in the order the loss will be called.
nn::SoftmaxLossFn loss_function_of(CallContext& ctx, const Kwargs& kw, const std::vector<std::string>& prefixes) {
  if (!kw.has("softmax_loss_function")) return {};
  Kwargs s = kw.sub("softmax_loss_function");
  S2S_CHECK(s.get_string("type") == "sampled_softmax", s.where(), ": only \"sampled_softmax\" is known");
  S2S_CHECK(s.get_string("weights", "output_projection") == "output_projection", s.where(),
            ": weights must be \"output_projection\"");
  S2S_CHECK(s.get_int("num_true", 1) == 1, s.where(), ": num_true must be 1 (labels are the targets)");
  const auto num_sampled = s.get_int("num_sampled"), num_classes = s.get_int("num_classes");
  const bool remove_hits = s.get_bool("remove_accidental_hits", true);
  s.finish();
  // weights = (output_projection/w)ᵀ [V, d], biases = output_projection/b (the tutorial's proj_w, proj_b).
  ag::Var w = ctx.caller_param("output_projection/w");
  ag::Var b = ctx.caller_param("output_projection/b");
  auto values = std::make_shared<std::vector<nn::SampledValues>>();
  for (const auto& p : prefixes) values->push_back(sampled_values_at(ctx, p));
  auto next = std::make_shared<std::size_t>(0);
  const std::string where = s.where();
  nn::SampledValuesSource source = [values, next, where](const Tensor&) {
    S2S_CHECK(*next < values->size(), where, ": the loss was called more often (", *next + 1,
              ") than the fixture has sampled values (", values->size(), ")");
    return (*values)[(*next)++];
  };
  return nn::make_sampled_softmax_loss(ag::transpose(w), b, num_sampled, num_classes, nullptr, source, remove_hits);
}

std::vector<std::string> step_prefixes(const std::string& base, std::int64_t steps) {
  std::vector<std::string> out;
  for (std::int64_t t = 0; t < steps; ++t) out.push_back(base + std::to_string(t));
  return out;
}

}  // namespace

bool run_loss_call(CallContext& ctx) {
  const std::string& fn = ctx.fixture().function;
  const Kwargs& kw = ctx.kwargs();
  if (fn == "sequence_loss_by_example" || fn == "sequence_loss") {
    auto logits = ctx.sequence("logits");
    auto targets = ctx.ids_sequence("targets");
    auto weights = ctx.sequence("weights");
    nn::SequenceLossOptions o;
    o.average_across_timesteps = kw.get_bool("average_across_timesteps", true);
    if (fn == "sequence_loss") o.average_across_batch = kw.get_bool("average_across_batch", true);
    o.softmax_loss_function = loss_function_of(ctx, kw, step_prefixes("sampled/", static_cast<std::int64_t>(logits.size())));
    ctx.set_result("loss", fn == "sequence_loss" ? nn::sequence_loss(logits, targets, weights, o)
                                                 : nn::sequence_loss_by_example(logits, targets, weights, o));
    return true;
  }
  if (fn == "sampled_softmax_loss") {
    ag::Var weights = ctx.input("weights");
    ag::Var biases = ctx.input("biases");
    Tensor labels = ctx.constant("labels");
    ag::Var inputs = ctx.input("inputs");
    nn::SampledSoftmaxOptions o;
    o.num_sampled = kw.get_int("num_sampled");
    o.num_classes = kw.get_int("num_classes");
    o.num_true = kw.get_int("num_true", 1);
    o.remove_accidental_hits = kw.get_bool("remove_accidental_hits", true);
    o.sampled_values = sampled_values_at(ctx, "sampled");
    ctx.set_result("loss", nn::sampled_softmax_loss(weights, biases, labels, inputs, o));
    return true;
  }
  if (fn == "model_with_buckets") {
    std::vector<nn::Bucket> buckets;
    for (const auto& b : kw.get("buckets")) {
      S2S_CHECK(b.is_array() && b.size() == 2, kw.where(), ": buckets must be [[I, O], ...]");
      buckets.emplace_back(b[0].get<std::int64_t>(), b[1].get<std::int64_t>());
    }
    const Kwargs seq2seq_kwargs = kw.sub("seq2seq_kwargs");
    nn::Seq2SeqFn seq2seq = make_seq2seq_fn(ctx, kw.get_string("seq2seq"), seq2seq_kwargs);
    seq2seq_kwargs.finish();
    auto enc = ctx.sequence("encoder_inputs");
    auto dec = ctx.sequence("decoder_inputs");
    auto targets = ctx.ids_sequence("targets");
    auto weights = ctx.sequence("weights");
    std::vector<std::string> prefixes;
    for (std::size_t j = 0; j < buckets.size(); ++j)
      for (const auto& p : step_prefixes("sampled/bucket_" + std::to_string(j) + "/", buckets[j].second)) prefixes.push_back(p);
    nn::ModelWithBucketsOptions o;
    o.per_example_loss = kw.get_bool("per_example_loss", false);
    o.softmax_loss_function = loss_function_of(ctx, kw, prefixes);
    nn::BucketsOutput out = nn::model_with_buckets(ctx.store(), enc, dec, targets, weights, buckets, seq2seq, o);
    for (std::size_t j = 0; j < buckets.size(); ++j) {
      ctx.set_sequence("bucket_" + std::to_string(j) + "/outputs", out.outputs[j]);
      ctx.set_result("bucket_" + std::to_string(j) + "/loss", out.losses[j]);
    }
    return true;
  }
  return false;
}

}  // namespace s2s::conformance
