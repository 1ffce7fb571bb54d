// Owns: the translate model (see seq2seq_model.h).
#include "s2s/train/seq2seq_model.h"

#include "s2s/autograd/ops.h"
#include "s2s/nn/basic_lstm_cell.h"
#include "s2s/nn/dropout_wrapper.h"
#include "s2s/nn/embedding_attention_seq2seq.h"
#include "s2s/nn/embedding_seq2seq.h"
#include "s2s/nn/gru_cell.h"
#include "s2s/nn/losses.h"
#include "s2s/nn/multi_rnn_cell.h"
#include "s2s/nn/sampled_softmax.h"

namespace s2s::train {

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

ForwardResult Seq2SeqModel::forward(const Seq2SeqBatch& batch, ForwardMode mode) {
  S2S_CHECK(batch.bucket < buckets_.size(), "bucket ", batch.bucket, " of ", buckets_.size());
  const auto [enc_len, dec_len] = buckets_[batch.bucket];
  // translate's step(): "Encoder/Decoder/Weights length must be equal to the one in bucket".
  S2S_CHECK(batch.encoder_inputs.dim(0) == enc_len, "Encoder length must be equal to the one in bucket, ",
            batch.encoder_inputs.dim(0), " != ", enc_len);
  S2S_CHECK(batch.decoder_inputs.dim(0) == dec_len, "Decoder length must be equal to the one in bucket, ",
            batch.decoder_inputs.dim(0), " != ", dec_len);
  S2S_CHECK(batch.weights.dim(0) == dec_len, "Weights length must be equal to the one in bucket, ",
            batch.weights.dim(0), " != ", dec_len);
  for (auto& d : impl_->dropouts) d->set_enabled(mode == ForwardMode::Train);

  const Device device = config_.device;
  nn::Ids enc, dec;
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
    weights.push_back(ag::constant(batch.weights[t].to_dtype(config_.dtype).to(device)));
  }
  nn::SequenceLossOptions loss_options;
  const bool training_loss = mode == ForwardMode::Train || mode == ForwardMode::EvalSampled;
  if (sampled_ && training_loss) {
    loss_options.softmax_loss_function = nn::make_sampled_softmax_loss(
        impl_->proj_w, impl_->proj_b, config_.num_samples, target_vocab_, &sampler_rng_);
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

}  // namespace s2s::train
