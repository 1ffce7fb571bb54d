#pragma once
// Owns: running the device part of one training step (zero the gradients, forward from a feed,
// backward) eagerly or through a CUDA graph per step shape (bucket, batch size), and the device
// buffers the graphs read their inputs from.
// Does not own: the host part of the step (Seq2SeqModel::make_feed draws the random values), the
// gradient all-reduce, clipping and the update (trainer.cpp).
// Why a graph per shape: a translate step is thousands of small kernels (per time step and
// layer); launched one by one from the host they cost more than they compute on a large GPU.
// After `warmup` eager steps of a shape its kernels are recorded once (GraphCache,
// kernels/graph_cache.h) and every later step of that shape is one launch. The feed of each step
// is copied into that shape's buffers before the launch, so the graph reads the new batch, the
// new sampled-softmax candidates and the new dropout counter at the same addresses.
// On the CPU, and on CUDA with train.cuda_graphs false, every step is eager and the gradients are
// reported as they become final (the reducer overlaps backward); through graphs they are reported
// after the step (run() says which), so graphs trade communication overlap for launch overhead.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "s2s/autograd/var.h"
#include "s2s/kernels/bf16_cache.h"
#include "s2s/kernels/graph_cache.h"
#include "s2s/model/seq2seq_model.h"

namespace s2s::train {

class StepRunner {
 public:
  struct Options {
    bool cuda_graphs = true;  // used on CUDA only
    int warmup = 2;           // eager steps of a shape before its capture
    // Under the BF16 matmul precision, round each parameter to bfloat16 once per step instead of
    // at every GEMM that reads it (kernels/bf16_cache.h); the results are bit for bit the same.
    bool cache_bf16_operands = true;
  };
  // `warn` receives one line per shape whose capture failed (the step then runs eagerly).
  StepRunner(model::Seq2SeqModel& model, Options options, std::function<void(const std::string&)> warn);
  ~StepRunner();
  StepRunner(const StepRunner&) = delete;
  StepRunner& operator=(const StepRunner&) = delete;

  struct Result {
    Tensor loss;                  // one element on the model's device, valid until the next run()
    cuda::GraphRun how = cuda::GraphRun::Eager;
    bool gradients_reported = false;  // on_ready was called for every parameter gradient
    std::size_t tape_ops = 0;         // ops the forward recorded (0 when a graph was replayed)
    // Parameters rounded to bf16 this step and GEMM operands served from those copies (zero
    // unless the precision is BF16; zero when a graph was replayed: no host code ran).
    kern::Bf16OperandCache::Stats bf16_operands;
  };
  // `feed` from model.make_feed(…, ForwardMode::Train), on the host: stage(feed) then run(on_ready).
  Result run(const model::StepFeed& feed, const ag::Tape::GradReadyFn& on_ready);
  // The two halves, for timing them apart: stage() copies the feed into its shape's device
  // buffers (asynchronous; on the CPU it keeps the host feed), run() steps on the staged feed.
  void stage(const model::StepFeed& feed);
  Result run(const ag::Tape::GradReadyFn& on_ready);

  bool graphs_active() const { return graphs_ != nullptr; }
  cuda::GraphKeyStats graph_totals() const;

 private:
  struct Key {
    std::size_t bucket;
    std::int64_t batch;
    auto operator<=>(const Key&) const = default;
  };
  struct Slots {
    model::StepFeed feed;  // on the model's device, fixed addresses
    Tensor loss;    // the loss the body (or its graph) writes
  };

  model::Seq2SeqModel& model_;
  Options options_;
  std::function<void(const std::string&)> warn_;
  std::map<Key, Slots> slots_;
  model::StepFeed host_feed_;       // the staged feed on the CPU
  Slots* staged_ = nullptr;  // the staged shape's buffers on CUDA (nullptr on the CPU)
  bool has_staged_ = false;
  // Dropout counter increments of one forward of each shape, recorded when it ran on the host
  // (eagerly or while being captured): what a replay of its graph must add.
  std::map<Key, std::uint64_t> dropout_draws_;
  std::unique_ptr<cuda::GraphCapturer> capturer_;
  std::unique_ptr<cuda::GraphCache<Key>> graphs_;
};

}  // namespace s2s::train
