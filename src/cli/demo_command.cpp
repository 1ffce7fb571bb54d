// Owns: `s2s demo`, the engine's self-demonstration: fits a two-layer tanh network to a synthetic
// classification task with the autograd tape and plain SGD, printing the loss as it falls. It
// needs no data files and finishes in about a second; it is the smoke test of a fresh build.
#include <cmath>
#include <cstdio>

#include "commands.h"
#include "s2s/autograd/ops.h"
#include "s2s/autograd/param_store.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::cli {
namespace {

struct DemoOptions {
  int steps = 300;
  int batch = 64;
  int hidden = 32;
  double learning_rate = 0.5;
  std::uint64_t seed = 7;
};

// Labels are the argmax of a fixed random linear map of the input: learnable, not linearly trivial
// after the tanh layer, and fully deterministic from the seed.
int run_demo(const DemoOptions& o) {
  constexpr int kIn = 8, kClasses = 4;
  ag::ParamStore store(o.seed, DType::F32);
  ag::Var w1, b1, w2, b2;
  {
    ag::VariableScope scope(store, "demo");
    w1 = store.get_variable("hidden/kernel", {kIn, o.hidden});
    b1 = store.get_variable("hidden/bias", {o.hidden}, ag::Initializer::zeros());
    w2 = store.get_variable("output/kernel", {o.hidden, kClasses});
    b2 = store.get_variable("output/bias", {kClasses}, ag::Initializer::zeros());
  }
  PhiloxStream data_rng(o.seed, 1);
  Tensor teacher = Tensor::empty({kIn, kClasses}, DType::F32);
  for (auto& v : teacher.span<float>()) v = static_cast<float>(data_rng.normal());

  std::printf("s2s demo: fitting a %d-%d-%d tanh network with the autograd tape (%lld parameters)\n",
              kIn, o.hidden, kClasses, static_cast<long long>(store.total_elements()));
  double first = 0, last = 0;
  for (int step = 1; step <= o.steps; ++step) {
    Tensor x = Tensor::empty({o.batch, kIn}, DType::F32);
    for (auto& v : x.span<float>()) v = static_cast<float>(data_rng.normal());
    Tensor scores = Tensor::zeros({o.batch, kClasses}, DType::F32);
    kern::gemm(scores, x, teacher, false, false, 1.0, 0.0);
    Tensor labels = Tensor::empty({o.batch}, DType::I32);
    kern::argmax_rows(labels, scores);

    ag::Tape tape;
    ag::Var loss;
    {
      ag::TapeScope recording(&tape);
      ag::Var h = ag::tanh(ag::add_bias(ag::matmul(ag::constant(x), w1), b1));
      ag::Var logits = ag::add_bias(ag::matmul(h, w2), b2);
      loss = ag::scale(ag::sum(ag::softmax_cross_entropy(logits, labels)), 1.0 / o.batch);
    }
    store.zero_grads();
    tape.backward(loss);
    for (ag::Var& p : store.parameters()) kern::axpy(p.mutable_value(), p.grad(), -o.learning_rate);
    last = loss.value().item();
    if (step == 1) first = last;
    if (step == 1 || step % 50 == 0)
      std::printf("  step %4d  loss %.4f\n", step, last);
  }
  const bool learned = last < 0.5 * first;
  std::printf("s2s demo: loss %.4f -> %.4f (%s)\n", first, last,
              learned ? "learned" : "did NOT learn");
  return learned ? 0 : 1;
}

}  // namespace

CommandRunner setup_demo(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  app.add_option("--steps", opts->steps, "SGD steps")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batch", opts->batch, "examples per step")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--hidden", opts->hidden, "hidden units")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", opts->learning_rate, "learning rate")->capture_default_str();
  app.add_option("--seed", opts->seed, "random seed")->capture_default_str();
  return [opts] { return run_demo(*opts); };
}

}  // namespace s2s::cli
