#pragma once
// Owns: the translate tutorial's model (seq2seq_model.py) on top of the seed API: a GRU or LSTM
// cell × num_layers (optionally dropout-wrapped), embedding_attention_seq2seq (or
// embedding_rnn_seq2seq), the output projection proj_w [V, size] / proj_b [V] with sampled
// softmax when 0 < num_samples < V (else a full softmax through OutputProjectionWrapper), and the
// per-bucket loss of model_with_buckets. All buckets share every variable.
// Does not own: batching (data/), the update (optimizer), the loop (trainer), nor any runner state
// (CUDA-graph replay bookkeeping and bf16 operand copies belong to train/step_runner.h; eval and
// decode open their own ag::bf16_operand_copies).
// Variables are created on the first forward (eager tape); create_variables() runs a one-example
// forward of the smallest bucket off the tape so that every parameter exists, in a fixed order,
// before a checkpoint is loaded or rank 0's values are broadcast.
#include <cstdint>
#include <memory>
#include <vector>

#include "s2s/autograd/param_store.h"
#include "s2s/core/philox.h"
#include "s2s/data/batch.h"
#include "s2s/model/model_config.h"
#include "s2s/nn/incremental_decoder.h"

namespace s2s::model {

// One bucket's batch in translate's get_batch layout, time-major.
struct Seq2SeqBatch {
  std::size_t bucket = 0;
  Tensor encoder_inputs;  // int32 [I, B]: reversed, left-padded source
  Tensor decoder_inputs;  // int32 [O, B]: GO, target, EOS, PAD…
  Tensor targets;         // int32 [O, B]: decoder_inputs shifted by one (last row PAD)
  Tensor weights;         // float [O, B]: 1 where the target is a real token
  std::int64_t batch_size() const { return encoder_inputs.dim(1); }
  static Seq2SeqBatch from(const data::Batch& b) {  // shares the tensors
    return {static_cast<std::size_t>(b.bucket), b.encoder_inputs, b.decoder_inputs, b.targets, b.weights};
  }
};

enum class ForwardMode {
  Train,        // dropout on; sampled softmax when configured (translate's training graph)
  EvalSampled,  // translate's eval: teacher forcing, the training loss (sampled), no dropout
  EvalFull,     // teacher forcing, full softmax, no dropout; loss = Σ_b Σ_t ce·w (token sum)
  Decode,       // feed_previous (greedy, in-graph argmax), outputs projected to logits
};

// Everything one forward reads besides the parameters, built on the host by make_feed() (which
// draws the step's random values) and then moved to the model's device in one go. A forward from
// a feed does no host read, no upload and no random draw, which is what lets the trainer capture
// it into a CUDA graph and replay it with the next step's feed copied into the same buffers.
struct StepFeed {
  Seq2SeqBatch batch;     // weights already in the model's dtype
  // Sampled softmax (empty otherwise): translate draws S candidates per decoder step, in order.
  Tensor sampled_ids;     // int32 [O, S]
  Tensor true_counts;     // dtype [O, B]: expected count of each target (spec §7)
  Tensor sampled_counts;  // dtype [O, S]
  Tensor dropout_base;    // int64 [1]: the dropout call counter at the start of the step
  // Copies every tensor of `src` (same shapes) into this feed's tensors, allocating them on
  // `device` the first time: the buffers keep their addresses from step to step.
  void copy_from(const StepFeed& src, Device device);
};

struct ForwardResult {
  ag::Var loss;                 // scalar: sequence_loss (EvalFull: the weighted token sum)
  std::vector<ag::Var> logits;  // Decode / EvalFull: [B, V] per decoder step
};

class Seq2SeqModel {
 public:
  // `rank` only decorrelates dropout masks across data-parallel replicas.
  Seq2SeqModel(const ModelConfig& config, std::int64_t source_vocab, std::int64_t target_vocab,
               std::vector<Bucket> buckets, std::uint64_t seed, std::uint64_t rank = 0);

  // make_feed + forward_feed on a feed moved to the model's device.
  ForwardResult forward(const Seq2SeqBatch& batch, ForwardMode mode);
  // Host part of a step: checks the batch against its bucket, draws the sampled-softmax
  // candidates (advancing sampler_rng as the forward itself would) and records the dropout
  // counter. Host tensors.
  StepFeed make_feed(const Seq2SeqBatch& batch, ForwardMode mode);
  // Device part: the forward of a feed already on the model's device. Advances the dropout
  // counter as its cells run (a runner that replays the kernels without this host code advances
  // it itself: set_dropout_counter).
  ForwardResult forward_feed(const StepFeed& feed, ForwardMode mode);
  void create_variables();

  // Incremental decoding (beam search): the Decode forward split into the encoder and one decoder
  // step at a time, on the same variables (nn/incremental_decoder.h). No dropout, no sampling, off
  // the tape. encode reads only batch.encoder_inputs ([I, B] of its bucket) and returns B rows;
  // decode_step takes the previous symbols int32 [R] (GO first) on the model's device and returns
  // the step's logits [R, V] (projected with proj_w/proj_b under sampled softmax, as Decode does);
  // reorder gathers rows (int32 [R'] of row indices on the model's device).
  nn::DecoderMemory encode(const Seq2SeqBatch& batch);
  Tensor decode_step(const Tensor& previous_ids, nn::DecoderMemory& state);
  static nn::DecoderMemory reorder(const nn::DecoderMemory& state, const Tensor& rows, bool same_sources = false) {
    return nn::reorder_rows(state, rows, same_sources);
  }

  ag::ParamStore& params() { return *store_; }
  const std::vector<Bucket>& buckets() const { return buckets_; }
  bool sampled_softmax() const { return sampled_; }
  std::int64_t source_vocab() const { return source_vocab_; }
  std::int64_t target_vocab() const { return target_vocab_; }
  // RNG streams owned by the model (checkpointed by name): the softmax sampler.
  PhiloxStream& sampler_rng() { return sampler_rng_; }
  std::uint64_t dropout_counter() const;
  void set_dropout_counter(std::uint64_t c);
  // FLOPs of one training step of `bucket` with batch B (matrix products only; for napkin math).
  double step_flops(std::size_t bucket, std::int64_t batch) const;

 private:
  nn::IncrementalSeq2SeqOptions incremental_options() const;
  struct Impl;
  ModelConfig config_;
  std::int64_t source_vocab_, target_vocab_;
  std::vector<Bucket> buckets_;
  bool sampled_;
  bool variables_created_ = false;
  std::unique_ptr<ag::ParamStore> store_;
  PhiloxStream sampler_rng_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace s2s::model
