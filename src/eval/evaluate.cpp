// Owns: dev-set evaluation (see evaluate.h).
#include "s2s/eval/evaluate.h"

#include <cmath>

#include "s2s/autograd/bf16_copies.h"
#include "s2s/autograd/var.h"
#include "s2s/data/eval_batches.h"
#include "s2s/data/sampler.h"
#include "s2s/dist/sums.h"
#include "s2s/dist/world.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::eval {
namespace {

double perplexity_of(double loss) { return loss < 300 ? std::exp(loss) : INFINITY; }

// Σ over ranks, deadline-guarded like every collective of the run (dist/sums.h).
void allreduce_sum(dist::World& world, std::vector<double>& values) {
  dist::allreduce_sum(world, std::span<double>(values), "evaluation all-reduce");
}

// Σ of one-element tensors in their order, in double (as Σ item() would be), with one device
// read for all of them instead of a host wait after every batch.
double sum_in_order(const std::vector<Tensor>& xs) {
  if (xs.empty()) return 0.0;
  Tensor all = Tensor::empty({static_cast<std::int64_t>(xs.size())}, xs.front().dtype(), xs.front().device());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const auto row = static_cast<std::int64_t>(i);
    all.rows(row, row + 1).copy_from(xs[i].reshape({1}));
  }
  const Tensor host = all.to(Device::CPU).to_dtype(DType::F64);
  double sum = 0.0;
  for (double v : host.span<double>()) sum += v;
  return sum;
}

// Restores the model's sampler stream when evaluation is over.
class KeepSamplerState {
 public:
  explicit KeepSamplerState(model::Seq2SeqModel& m) : model_(m), saved_(m.sampler_rng().state()) {}
  ~KeepSamplerState() { model_.sampler_rng().set_state(saved_); }

 private:
  model::Seq2SeqModel& model_;
  PhiloxStream::State saved_;
};

}  // namespace

std::vector<BucketEval> evaluate_full(model::Seq2SeqModel& model, const std::shared_ptr<const data::Dataset>& dataset,
                                      const std::string& split, std::int64_t batch_size, dist::World& world) {
  ag::TapeScope no_tape(nullptr);
  KeepSamplerState keep(model);
  const auto bf16_copies = ag::bf16_operand_copies(model.params());  // nothing writes them while evaluating
  std::vector<BucketEval> out;
  if (!dataset->has_split(split)) return out;
  const int buckets = static_cast<int>(dataset->buckets().size());
  std::vector<double> sums;  // per bucket: loss sum, tokens, examples
  for (int b = 0; b < buckets; ++b) {
    data::EvalBatches batches(dataset, split, b, batch_size, world.rank(), world.size());
    double tokens = 0;
    std::vector<Tensor> losses;  // one element per batch, on the model's device
    data::Batch batch;
    while (batches.next(batch)) {
      model::ForwardResult r = model.forward(model::Seq2SeqBatch::from(batch), model::ForwardMode::EvalFull);
      losses.push_back(r.loss.value());
      tokens += kern::sum(batch.weights);
    }
    sums.insert(sums.end(), {sum_in_order(losses), tokens, double(batches.num_examples())});
  }
  allreduce_sum(world, sums);
  for (int b = 0; b < buckets; ++b) {
    BucketEval e;
    e.bucket = b;
    e.examples = static_cast<std::int64_t>(sums[3 * b + 2]);
    e.tokens = sums[3 * b + 1];
    if (e.examples == 0) continue;
    e.loss = e.tokens > 0 ? sums[3 * b] / e.tokens : 0.0;
    e.perplexity = perplexity_of(e.loss);
    out.push_back(e);
  }
  return out;
}

std::vector<BucketEval> evaluate_translate(model::Seq2SeqModel& model, const std::shared_ptr<const data::Dataset>& dataset,
                                           const std::string& split, std::int64_t batch_size, std::uint64_t seed,
                                           dist::World& world) {
  ag::TapeScope no_tape(nullptr);
  KeepSamplerState keep(model);
  const auto bf16_copies = ag::bf16_operand_copies(model.params());  // nothing writes them while evaluating
  std::vector<BucketEval> out;
  if (!dataset->has_split(split)) return out;
  // Rank 0's draw only (translate evaluates one batch on one process); others get the result.
  data::SamplerOptions so;
  so.split = split;
  so.batch_size = batch_size;
  so.seed = seed;
  so.mode = data::SamplingMode::Fidelity;
  data::BucketSampler sampler(dataset, so);
  std::vector<double> losses;
  for (int b = 0; b < static_cast<int>(dataset->buckets().size()); ++b) {
    if (sampler.bucket_sizes()[b] == 0) {
      losses.push_back(NAN);
      continue;
    }
    double loss = 0;
    if (world.is_root()) loss = model.forward(model::Seq2SeqBatch::from(sampler.next_in_bucket(b)), model::ForwardMode::EvalSampled).loss.value().item();
    losses.push_back(loss);
  }
  allreduce_sum(world, losses);  // only rank 0 contributed
  for (int b = 0; b < static_cast<int>(losses.size()); ++b) {
    if (std::isnan(losses[b])) continue;
    BucketEval e;
    e.bucket = b;
    e.examples = batch_size;
    e.loss = losses[b];
    e.perplexity = perplexity_of(e.loss);
    out.push_back(e);
  }
  return out;
}

BucketEval overall(const std::vector<BucketEval>& buckets) {
  BucketEval all;
  all.bucket = -1;
  double loss = 0;
  for (const auto& b : buckets) {
    loss += b.loss * b.tokens;
    all.tokens += b.tokens;
    all.examples += b.examples;
  }
  all.loss = all.tokens > 0 ? loss / all.tokens : 0.0;
  all.perplexity = perplexity_of(all.loss);
  return all;
}

}  // namespace s2s::eval
