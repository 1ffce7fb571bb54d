// Owns: the translate model (see seq2seq_model.h).
#include "s2s/model/seq2seq_model.h"

#include "s2s/autograd/ops.h"
#include "s2s/nn/basic_lstm_cell.h"
#include "s2s/nn/dropout_wrapper.h"
#include "s2s/nn/embedding_attention_seq2seq.h"
#include "s2s/nn/embedding_seq2seq.h"
#include "s2s/nn/gru_cell.h"
#include "s2s/nn/losses.h"
#include "s2s/nn/multi_rnn_cell.h"
#include "s2s/nn/sampled_softmax.h"

namespace s2s::model {

struct Seq2SeqModel::Impl {
  nn::CellPtr cell;
  std::vector<std::shared_ptr<nn::DropoutWrapper>> dropouts;
  ag::Var proj_w, proj_b;  // only with sampled softmax
};

namespace {

nn::CellPtr make_layer(const ModelConfig& c) {
  if (c.cell == CellType::Gru) return std::make_shared<nn::GRUCell>(c.size);
  return std::make_shared<nn::BasicLSTMCell>(c.size);  // translate's use_lstm: BasicLSTMCell
}

}  // namespace

Seq2SeqModel::Seq2SeqModel(const ModelConfig& config, std::int64_t source_vocab,
                           std::int64_t target_vocab, std::vector<Bucket> buckets, std::uint64_t seed,
                           std::uint64_t rank)
    : config_(config),
      source_vocab_(source_vocab),
      target_vocab_(target_vocab),
      buckets_(std::move(buckets)),
      sampled_(config.use_sampled_softmax(target_vocab)),
      store_(std::make_unique<ag::ParamStore>(seed, config.dtype, config.device)),
      sampler_rng_(seed, /*stream=*/0x5a3d1e5ull),
      impl_(std::make_shared<Impl>()) {
  S2S_CHECK(source_vocab > 4 && target_vocab > 4, "vocabularies must hold more than the 4 special symbols (got ",
            source_vocab, " and ", target_vocab, ")");
  S2S_CHECK(!buckets_.empty(), "the model needs at least one bucket");
  std::vector<nn::CellPtr> layers;
  for (std::int64_t i = 0; i < config.num_layers; ++i) {
    nn::CellPtr layer = make_layer(config);
    if (config.input_keep_prob < 1.0 || config.output_keep_prob < 1.0) {
      nn::DropoutOptions d;
      d.input_keep_prob = config.input_keep_prob;
      d.output_keep_prob = config.output_keep_prob;
      // Masks differ per layer and per rank (each rank holds different examples of the global
      // batch); the softmax sampler, in contrast, is shared: one draw per step for the global batch.
      d.seed = seed ^ (0xd509u + static_cast<std::uint64_t>(i)) ^ (rank * 0x9E3779B97F4A7C15ull);
      auto wrapped = std::make_shared<nn::DropoutWrapper>(layer, d);
      impl_->dropouts.push_back(wrapped);
      layer = wrapped;
    }
    layers.push_back(layer);
  }
  impl_->cell = layers.size() == 1 ? layers[0] : std::make_shared<nn::MultiRNNCell>(layers);
  if (sampled_) {
    // The tutorial creates proj_w [V, size] and proj_b [V] (both glorot) before the seq2seq call.
    impl_->proj_w = store_->get_variable("proj_w", {target_vocab, config.size});
    impl_->proj_b = store_->get_variable("proj_b", {target_vocab});
  }
}

void StepFeed::copy_from(const StepFeed& src, Device device) {
  auto put = [device](Tensor& dst, const Tensor& from) {
    if (!from.defined()) {
      dst = Tensor();
      return;
    }
    if (!dst.defined() || dst.shape() != from.shape() || dst.dtype() != from.dtype() || dst.device() != device)
      dst = Tensor::empty(from.shape(), from.dtype(), device);
    dst.copy_from(from);
  };
  batch.bucket = src.batch.bucket;
  put(batch.encoder_inputs, src.batch.encoder_inputs);
  put(batch.decoder_inputs, src.batch.decoder_inputs);
  put(batch.targets, src.batch.targets);
  put(batch.weights, src.batch.weights);
  put(sampled_ids, src.sampled_ids);
  put(true_counts, src.true_counts);
  put(sampled_counts, src.sampled_counts);
  put(dropout_base, src.dropout_base);
}

namespace {

bool uses_training_loss(ForwardMode mode) { return mode == ForwardMode::Train || mode == ForwardMode::EvalSampled; }

// Row t of a [O, n] host tensor, written from a 1-D tensor of n elements (same dtype).
void set_row(Tensor& rows, std::int64_t t, const Tensor& row) {
  Tensor dst = rows[t];
  dst.copy_from(row.reshape(dst.shape()));
}

}  // namespace

StepFeed Seq2SeqModel::make_feed(const Seq2SeqBatch& batch, ForwardMode mode) {
  S2S_CHECK(batch.bucket < buckets_.size(), "bucket ", batch.bucket, " of ", buckets_.size());
  const auto [enc_len, dec_len] = buckets_[batch.bucket];
  // translate's step(): "Encoder/Decoder/Weights length must be equal to the one in bucket".
  S2S_CHECK(batch.encoder_inputs.dim(0) == enc_len, "Encoder length must be equal to the one in bucket, ",
            batch.encoder_inputs.dim(0), " != ", enc_len);
  S2S_CHECK(batch.decoder_inputs.dim(0) == dec_len, "Decoder length must be equal to the one in bucket, ",
            batch.decoder_inputs.dim(0), " != ", dec_len);
  S2S_CHECK(batch.weights.dim(0) == dec_len, "Weights length must be equal to the one in bucket, ",
            batch.weights.dim(0), " != ", dec_len);
  StepFeed feed;
  feed.batch = batch;
  feed.batch.encoder_inputs = batch.encoder_inputs.to(Device::CPU);
  feed.batch.decoder_inputs = batch.decoder_inputs.to(Device::CPU);
  feed.batch.targets = batch.targets.to(Device::CPU);
  feed.batch.weights = batch.weights.to(Device::CPU).to_dtype(config_.dtype);
  if (sampled_ && uses_training_loss(mode)) {
    // The draws the loss function would make, one per decoder step and in the same order, so the
    // sampler stream (checkpointed) advances exactly as in translate's graph.
    const std::int64_t B = batch.batch_size(), S = config_.num_samples;
    feed.sampled_ids = Tensor::empty({dec_len, S}, DType::I32);
    feed.true_counts = Tensor::empty({dec_len, B}, config_.dtype);
    feed.sampled_counts = Tensor::empty({dec_len, S}, config_.dtype);
    const nn::LogUniformSampler sampler(target_vocab_);
    for (std::int64_t t = 0; t < dec_len; ++t) {
      const Tensor labels = feed.batch.targets[t].reshape({B, 1});
      const nn::SampledValues v = sampler.sample_with_counts(labels, S, /*unique=*/true, sampler_rng_, config_.dtype);
      set_row(feed.sampled_ids, t, v.sampled_candidates);
      set_row(feed.true_counts, t, v.true_expected_count);
      set_row(feed.sampled_counts, t, v.sampled_expected_count);
    }
  }
  feed.dropout_base = Tensor::from_vector<std::int64_t>({1}, {static_cast<std::int64_t>(dropout_counter())});
  return feed;
}

ForwardResult Seq2SeqModel::forward(const Seq2SeqBatch& batch, ForwardMode mode) {
  const StepFeed host = make_feed(batch, mode);
  if (config_.device == Device::CPU) return forward_feed(host, mode);
  StepFeed on_device;
  on_device.copy_from(host, config_.device);
  return forward_feed(on_device, mode);
}

ForwardResult Seq2SeqModel::forward_feed(const StepFeed& feed, ForwardMode mode) {
  const Seq2SeqBatch& batch = feed.batch;
  S2S_CHECK(batch.bucket < buckets_.size(), "bucket ", batch.bucket, " of ", buckets_.size());
  const auto [enc_len, dec_len] = buckets_[batch.bucket];
  S2S_CHECK(batch.encoder_inputs.dim(0) == enc_len && batch.decoder_inputs.dim(0) == dec_len &&
                batch.targets.dim(0) == dec_len && batch.weights.dim(0) == dec_len,
            "forward_feed: the feed does not match bucket ", batch.bucket, " (make it with make_feed)");
  const Device device = config_.device;
  const bool dropout_on = mode == ForwardMode::Train;
  for (auto& d : impl_->dropouts) {
    d->set_enabled(dropout_on);
    // Masks read the step's counter from the feed (device memory), so a replayed graph draws the
    // next step's masks without host code.
    if (feed.dropout_base.defined() && feed.dropout_base.device() == device) d->bind_step_counter(feed.dropout_base);
    d->begin_step();
  }

  nn::Ids enc, dec;  // views (no copies when the feed is on the model's device)
  for (std::int64_t t = 0; t < enc_len; ++t) enc.push_back(batch.encoder_inputs[t].to(device));
  for (std::int64_t t = 0; t < dec_len; ++t) dec.push_back(batch.decoder_inputs[t].to(device));

  std::optional<nn::OutputProjection> projection;
  if (sampled_) projection = nn::OutputProjection{impl_->proj_w, impl_->proj_b, /*transposed=*/true};
  const bool feed_previous = mode == ForwardMode::Decode;
  const std::int64_t emb = config_.effective_embedding_size();

  // Every bucket and every step shares one set of variables: the first forward creates them, all
  // later ones reuse them (a missing or re-created name is then an error, not a silent new one).
  ag::VariableScope sharing(*store_, "", variables_created_ ? ag::Reuse::Yes : ag::Reuse::No);
  variables_created_ = true;
  nn::RnnOutput out;
  if (config_.attention) {
    nn::EmbeddingAttentionSeq2SeqOptions o;
    o.num_heads = config_.num_heads;
    o.output_projection = projection;
    o.feed_previous = feed_previous;
    o.dtype = config_.dtype;
    out = nn::embedding_attention_seq2seq(*store_, enc, dec, impl_->cell, source_vocab_, target_vocab_, emb, o);
  } else {
    nn::EmbeddingRnnSeq2SeqOptions o;
    o.output_projection = projection;
    o.feed_previous = feed_previous;
    o.dtype = config_.dtype;
    out = nn::embedding_rnn_seq2seq(*store_, enc, dec, impl_->cell, source_vocab_, target_vocab_, emb, o);
  }

  ForwardResult result;
  std::vector<Tensor> targets;
  std::vector<ag::Var> weights;
  for (std::int64_t t = 0; t < dec_len; ++t) {
    targets.push_back(batch.targets[t].to(device));
    weights.push_back(ag::constant(batch.weights[t].to(device)));
  }
  nn::SequenceLossOptions loss_options;
  const bool training_loss = uses_training_loss(mode);
  if (sampled_ && training_loss) {
    S2S_CHECK(feed.sampled_ids.defined() && feed.sampled_ids.dim(0) == dec_len,
              "forward_feed: a sampled-softmax loss needs the feed's sampled candidates (make_feed in a training mode)");
    // The loss function is called once per decoder step, in order: hand it that step's draws.
    auto next = std::make_shared<std::int64_t>(0);
    const std::int64_t B = batch.batch_size();
    nn::SampledValuesSource source = [feed, next, B, dec_len](const Tensor&) {
      const std::int64_t t = (*next)++;
      S2S_CHECK(t < dec_len, "forward_feed: more sampled-softmax calls than decoder steps (", dec_len, ")");
      return nn::SampledValues{feed.sampled_ids[t], feed.true_counts[t].reshape({B, 1}), feed.sampled_counts[t]};
    };
    loss_options.softmax_loss_function = nn::make_sampled_softmax_loss(
        impl_->proj_w, impl_->proj_b, config_.num_samples, target_vocab_, &sampler_rng_, source);
  }
  std::vector<ag::Var> logits = out.outputs;
  if (sampled_ && !training_loss) {
    for (auto& o : logits) o = projection->apply(o);  // [B, size] -> [B, V]
  }
  if (mode == ForwardMode::EvalFull) {
    // Token-level: Σ_b Σ_t ce·w, so a dev set's perplexity is exp(Σ loss / Σ weights).
    loss_options.average_across_timesteps = false;
    loss_options.average_across_batch = false;
  }
  if (mode != ForwardMode::Decode)
    result.loss = nn::sequence_loss(training_loss ? out.outputs : logits, targets, weights, loss_options);
  if (mode == ForwardMode::Decode || mode == ForwardMode::EvalFull) result.logits = std::move(logits);
  return result;
}

nn::IncrementalSeq2SeqOptions Seq2SeqModel::incremental_options() const {
  nn::IncrementalSeq2SeqOptions o;
  o.attention = config_.attention;
  o.num_heads = config_.num_heads;
  if (sampled_) o.output_projection = nn::OutputProjection{impl_->proj_w, impl_->proj_b, /*transposed=*/true};
  o.dtype = config_.dtype;
  return o;
}

nn::DecoderMemory Seq2SeqModel::encode(const Seq2SeqBatch& batch) {
  S2S_CHECK(batch.bucket < buckets_.size(), "bucket ", batch.bucket, " of ", buckets_.size());
  const std::int64_t enc_len = buckets_[batch.bucket].first;
  S2S_CHECK(batch.encoder_inputs.dim(0) == enc_len, "Encoder length must be equal to the one in bucket, ",
            batch.encoder_inputs.dim(0), " != ", enc_len);
  if (!variables_created_) create_variables();
  ag::TapeScope no_tape(nullptr);
  for (auto& d : impl_->dropouts) d->set_enabled(false);
  const Device device = config_.device;
  const Tensor enc_ids = batch.encoder_inputs.to(device);
  nn::Ids enc;
  for (std::int64_t t = 0; t < enc_len; ++t) enc.push_back(enc_ids[t]);
  ag::VariableScope sharing(*store_, "", ag::Reuse::Yes);
  return nn::incremental_encode(*store_, enc, impl_->cell, source_vocab_, config_.effective_embedding_size(),
                                incremental_options());
}

Tensor Seq2SeqModel::decode_step(const Tensor& previous_ids, nn::DecoderMemory& state) {
  ag::TapeScope no_tape(nullptr);
  for (auto& d : impl_->dropouts) d->set_enabled(false);
  ag::VariableScope sharing(*store_, "", ag::Reuse::Yes);
  return nn::incremental_decode_step(*store_, previous_ids, state, impl_->cell, target_vocab_,
                                     config_.effective_embedding_size(), incremental_options())
      .value();
}

void Seq2SeqModel::create_variables() {
  ag::TapeScope no_tape(nullptr);
  const auto [enc_len, dec_len] = buckets_.front();
  Seq2SeqBatch b;
  b.bucket = 0;
  b.encoder_inputs = Tensor::zeros({enc_len, 1}, DType::I32);
  b.decoder_inputs = Tensor::zeros({dec_len, 1}, DType::I32);
  b.targets = Tensor::zeros({dec_len, 1}, DType::I32);
  b.weights = Tensor::zeros({dec_len, 1}, DType::F32);
  // The sampler's state must not move: creating variables is not a training step.
  const auto saved = sampler_rng_.state();
  const auto counter = dropout_counter();
  forward(b, ForwardMode::EvalSampled);
  sampler_rng_.set_state(saved);
  set_dropout_counter(counter);
}

std::uint64_t Seq2SeqModel::dropout_counter() const {
  return impl_->dropouts.empty() ? 0 : impl_->dropouts.front()->counter();
}
void Seq2SeqModel::set_dropout_counter(std::uint64_t c) {
  for (auto& d : impl_->dropouts) d->set_counter(c);
}

double Seq2SeqModel::step_flops(std::size_t bucket, std::int64_t batch) const {
  // Forward GEMM FLOPs ×3 (backward is two GEMMs per forward GEMM).
  const double n = double(config_.size), e = double(config_.effective_embedding_size());
  const double b = double(batch), layers = double(config_.num_layers);
  const double gates = config_.cell == CellType::Gru ? 3.0 : 4.0;
  const auto [enc_len, dec_len] = buckets_[bucket];
  auto cell_flops = [&](double in) { return 2.0 * b * (in + n) * n * gates; };
  double per_step = cell_flops(e) + (layers - 1) * cell_flops(n);
  double enc = enc_len * per_step;
  double dec = dec_len * per_step;
  // Output side. Sampled softmax: the decoder emits [B, n] and the loss multiplies by S+1 rows of
  // proj_w. Full softmax: the cell is wrapped by OutputProjectionWrapper (n -> V), and with
  // attention AttnOutputProjection then maps [V + K·A] -> V (spec §4.9), O(V²) per step.
  const double v = double(target_vocab_);
  const double cell_out = sampled_ ? n : v;
  if (!sampled_) dec += dec_len * 2.0 * b * n * v;
  if (config_.attention) {
    const double a = n, k = double(config_.num_heads), l = double(enc_len);
    const double q = n * layers * (config_.cell == CellType::Lstm ? 2 : 1);
    dec += dec_len * (2.0 * b * (e + k * a) * e + k * (2.0 * b * q * a + 4.0 * b * l * a) +
                      2.0 * b * (cell_out + k * a) * cell_out);
    enc += k * 2.0 * b * l * a * a;
  }
  if (sampled_) dec += dec_len * 2.0 * b * n * double(config_.num_samples + 1);
  return 3.0 * (enc + dec);
}

}  // namespace s2s::model
