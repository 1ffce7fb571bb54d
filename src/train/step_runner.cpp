// Owns: StepRunner (see step_runner.h).
#include "s2s/train/step_runner.h"

#include <fmt/format.h>

#include <optional>

#include "s2s/autograd/bf16_copies.h"
#include "s2s/kernels/cuda_graph.h"

namespace s2s::train {

StepRunner::StepRunner(model::Seq2SeqModel& model, Options options, std::function<void(const std::string&)> warn)
    : model_(model), options_(options), warn_(std::move(warn)) {
  if (model_.params().device() == Device::CUDA && options_.cuda_graphs) {
    capturer_ = std::make_unique<cuda::CudaGraphCapturer>();
    cuda::GraphCacheOptions go;
    go.warmup = options_.warmup;
    graphs_ = std::make_unique<cuda::GraphCache<Key>>(*capturer_, go, [this](const Key& k, const std::string& why) {
      if (warn_)
        warn_(fmt::format("CUDA graph capture of bucket {} (batch {}) failed, running it eagerly: {}", k.bucket,
                          k.batch, why));
    });
  }
}

StepRunner::~StepRunner() = default;

StepRunner::Result StepRunner::run(const model::StepFeed& feed, const ag::Tape::GradReadyFn& on_ready) {
  stage(feed);
  return run(on_ready);
}

void StepRunner::stage(const model::StepFeed& feed) {
  if (model_.params().device() == Device::CPU) {
    host_feed_ = feed;
    staged_ = nullptr;
  } else {
    // The feed goes into this shape's device buffers (asynchronous staged copies), so an eager
    // step and a graph read the same addresses.
    staged_ = &slots_[Key{feed.batch.bucket, feed.batch.batch_size()}];
    staged_->feed.copy_from(feed, Device::CUDA);
  }
  has_staged_ = true;
}

StepRunner::Result StepRunner::run(const ag::Tape::GradReadyFn& on_ready) {
  S2S_CHECK(has_staged_, "StepRunner::run: no feed staged (call stage(feed) first)");
  has_staged_ = false;
  Result result;
  auto step = [this, &result](const model::StepFeed& f, const ag::Tape::GradReadyFn& ready) {
    // Parameters do not change between here and the update after the step, so their bf16 copies
    // can be made once for the whole forward and backward.
    const std::optional<kern::Bf16OperandCache> bf16_copies =
        options_.cache_bf16_operands ? ag::bf16_operand_copies(model_.params()) : std::nullopt;
    model_.params().zero_grads();
    ag::Tape tape;
    model::ForwardResult fwd;
    {
      ag::TapeScope recording(&tape);
      fwd = model_.forward_feed(f, model::ForwardMode::Train);
    }
    result.tape_ops = tape.size();
    tape.backward(fwd.loss, ready);
    tape.clear();
    if (bf16_copies) result.bf16_operands = bf16_copies->stats();
    return fwd.loss.value();
  };
  if (staged_ == nullptr) {  // CPU
    result.loss = step(host_feed_, on_ready);
    result.gradients_reported = true;
    return result;
  }
  Slots& slots = *staged_;
  const model::StepFeed& feed = slots.feed;
  if (!graphs_) {
    slots.loss = step(feed, on_ready);
    result.loss = slots.loss;
    result.gradients_reported = true;
    return result;
  }
  // Inside a capture no gradient may be handed to the reducer (its host bookkeeping would run
  // once, at capture time): report them all after the step instead. A failed capture may have run
  // part of the body's host code: each run starts from the step's dropout counter, so the eager
  // re-run draws the same masks.
  const std::uint64_t dropout_start = model_.dropout_counter();
  const Key key{feed.batch.bucket, feed.batch.batch_size()};
  result.how = graphs_->run(key, [&] {
    model_.set_dropout_counter(dropout_start);
    slots.loss = step(feed, ag::Tape::GradReadyFn{});
  });
  // A replay runs the kernels without the forward's host code, which advances the dropout counter
  // by the number of mask draws: do it here, by what the captured (or an eager) run of this shape
  // drew.
  if (result.how == cuda::GraphRun::Replayed) {
    const auto drawn = dropout_draws_.find(key);
    S2S_CHECK(drawn != dropout_draws_.end(), "StepRunner: bucket ", key.bucket, " (batch ", key.batch,
              ") was replayed before any run of it recorded its dropout draws");
    model_.set_dropout_counter(dropout_start + drawn->second);
  } else {
    dropout_draws_[key] = model_.dropout_counter() - dropout_start;
  }
  result.loss = slots.loss;
  return result;
}

cuda::GraphKeyStats StepRunner::graph_totals() const { return graphs_ ? graphs_->totals() : cuda::GraphKeyStats{}; }

}  // namespace s2s::train
