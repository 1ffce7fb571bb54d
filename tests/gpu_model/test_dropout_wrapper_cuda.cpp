// DropoutWrapper on CUDA (nn/dropout_wrapper.h, kernels/dropout.h): the masks a float32 wrapper
// draws on the device are bit for bit those of the same wrapper on the CPU, with the wrapper's own
// counter base and with a bound step counter in device memory, over several steps of several
// calls (per-element, variational and state dropout); the backward through the mask (dx = mask
// for loss = Σ y) matches too, and the backward seed is filled on the device. Skips without a
// device.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "gpu/harness.h"
#include "s2s/autograd/ops.h"
#include "s2s/nn/dropout_wrapper.h"

namespace s2s::test {
namespace {

using nn::CellOutput;
using nn::DropoutOptions;
using nn::DropoutWrapper;
using nn::State;

// Output and new state = the input: isolates the wrapper.
class IdentityCell : public nn::RNNCell {
 public:
  explicit IdentityCell(std::int64_t n) : n_(n) {}
  std::int64_t output_size() const override { return n_; }
  nn::StateSize state_size() const override { return nn::StateSize::lstm(n_, n_); }
  CellOutput operator()(ag::ParamStore&, const ag::Var& x, const State&) override { return {x, State::lstm(x, x)}; }
  std::string_view name() const override { return "identity"; }

 private:
  std::int64_t n_;
};

class DropoutWrapperCuda : public CudaTest {};

struct StepResult {
  std::vector<float> output, state_h, dx;
};

// One call of `cell` on x (host values) placed on `device`, with loss = Σ output and its backward.
StepResult run_call(DropoutWrapper& cell, const std::vector<float>& x_host, std::int64_t rows, std::int64_t cols,
                    Device device) {
  ag::ParamStore ps(1, DType::F32, device);
  ag::Var x(Tensor::from_vector<float>({rows, cols}, x_host).to(device), /*requires_grad=*/true);
  ag::Tape tape;
  StepResult r;
  {
    ag::TapeScope scope(&tape);
    CellOutput out = cell(ps, x, cell.zero_state(rows, DType::F32, device));
    r.output = out.output.value().to_vector<float>();
    r.state_h = out.state[1].leaf().value().to_vector<float>();
    tape.backward(ag::sum(out.output));
  }
  r.dx = x.grad().to_vector<float>();
  return r;
}

TEST_F(DropoutWrapperCuda, MasksAndGradientsMatchTheCpu) {
  const std::int64_t rows = 37, cols = 130;
  for (bool variational : {false, true})
    for (bool bind : {false, true}) {
      DropoutOptions o;
      o.input_keep_prob = 0.6;
      o.output_keep_prob = 0.8;
      o.state_keep_prob = 0.7;
      o.variational_recurrent = variational;
      o.input_size = cols;
      o.dtype = DType::F32;
      o.seed = 77;
      DropoutWrapper cpu(std::make_shared<IdentityCell>(cols), o), dev(std::make_shared<IdentityCell>(cols), o);
      Tensor base = Tensor::zeros({1}, DType::I64, Device::CUDA);
      if (bind) dev.bind_step_counter(base);
      Rng rng(5);
      for (int step = 0; step < 3; ++step) {
        if (bind) base.copy_from(Tensor::from_vector<std::int64_t>({1}, {static_cast<std::int64_t>(dev.counter())}));
        cpu.begin_step();
        dev.begin_step();
        for (int t = 0; t < 3; ++t) {
          const auto x = rng.uniform(rows * cols, -1, 1);
          const StepResult want = run_call(cpu, x, rows, cols, Device::CPU);
          const StepResult got = run_call(dev, x, rows, cols, Device::CUDA);
          const std::string what = std::string(variational ? "variational" : "per-element") +
                                   (bind ? ", bound counter" : ", own base") + ", step " + std::to_string(step) +
                                   " call " + std::to_string(t);
          EXPECT_TRUE(bitwise_equal(got.output, want.output)) << what;
          EXPECT_TRUE(bitwise_equal(got.state_h, want.state_h)) << what;
          EXPECT_TRUE(bitwise_equal(got.dx, want.dx)) << what;
        }
        EXPECT_EQ(dev.counter(), cpu.counter());
        if (variational) {
          cpu.start_sequence();
          dev.start_sequence();
        }
      }
    }
}

}  // namespace
}  // namespace s2s::test
