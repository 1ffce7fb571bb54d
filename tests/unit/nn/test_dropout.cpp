// Tests: DropoutWrapper (spec §1.9): keep rate and 1/keep scaling, masks as a pure function of
// (seed, counter), variational masks shared over the batch and the steps of a sequence, LSTM c
// never dropped, keep = 1 and disabled are the identity.
#include <gtest/gtest.h>

#include <cmath>

#include "grad_check.h"
#include "s2s/nn/nn.h"

namespace s2s::nn {
namespace {

using namespace s2s::nn::testing;

// A cell whose output and new state are its input: isolates the wrapper.
class IdentityCell : public RNNCell {
 public:
  explicit IdentityCell(std::int64_t n) : n_(n) {}
  std::int64_t output_size() const override { return n_; }
  StateSize state_size() const override { return StateSize::lstm(n_, n_); }
  CellOutput operator()(ParamStore&, const Var& x, const State&) override { return {x, State::lstm(x, x)}; }
  std::string_view name() const override { return "identity"; }

 private:
  std::int64_t n_;
};

std::vector<double> values(const Var& v) { return v.value().to_vector<double>(); }

TEST(Dropout, KeepRateAndScaling) {
  const std::int64_t B = 200, n = 50;
  DropoutOptions o;
  o.output_keep_prob = 0.7;
  o.seed = 3;
  DropoutWrapper cell(std::make_shared<IdentityCell>(n), o);
  ag::ParamStore ps(1, DType::F64);
  Var x(Tensor::full({B, n}, DType::F64, 2.0));
  CellOutput out = cell(ps, x, cell.zero_state(B, DType::F64));
  int kept = 0;
  for (double v : values(out.output)) {
    if (v != 0.0) {
      ++kept;
      EXPECT_NEAR(v, 2.0 / 0.7, 1e-12);
    }
  }
  const double rate = kept / double(B * n);
  EXPECT_NEAR(rate, 0.7, 0.02);  // 10 000 Bernoulli(0.7) draws: sd ≈ 0.0046
  EXPECT_EQ(values(out.state[1].leaf()), values(x));  // state_keep_prob = 1: untouched
}

TEST(Dropout, MasksArePureFunctionsOfSeedAndCounter) {
  DropoutOptions o;
  o.input_keep_prob = 0.5;
  o.seed = 11;
  auto make = [&] { return DropoutWrapper(std::make_shared<IdentityCell>(8), o); };
  ag::ParamStore ps(1, DType::F64);
  Var x(Tensor::full({4, 8}, DType::F64, 1.0));
  DropoutWrapper a = make(), b = make();
  auto a0 = values(a(ps, x, a.zero_state(4, DType::F64)).output);
  auto a1 = values(a(ps, x, a.zero_state(4, DType::F64)).output);
  EXPECT_NE(a0, a1) << "a fresh mask per call";
  EXPECT_EQ(a.counter(), 2u);
  EXPECT_EQ(a0, values(b(ps, x, b.zero_state(4, DType::F64)).output));
  b.set_counter(1);
  EXPECT_EQ(a1, values(b(ps, x, b.zero_state(4, DType::F64)).output)) << "restoring the counter replays the masks";
  o.seed = 12;
  DropoutWrapper c = make();
  EXPECT_NE(a0, values(c(ps, x, c.zero_state(4, DType::F64)).output));
}

TEST(Dropout, VariationalMaskIsSharedOverBatchAndSteps) {
  DropoutOptions o;
  o.output_keep_prob = 0.5;
  o.variational_recurrent = true;
  o.dtype = DType::F64;
  o.seed = 5;
  DropoutWrapper cell(std::make_shared<IdentityCell>(16), o);
  ag::ParamStore ps(1, DType::F64);
  Var x(Tensor::full({3, 16}, DType::F64, 1.0));
  auto m0 = values(cell(ps, x, cell.zero_state(3, DType::F64)).output);
  for (int r = 1; r < 3; ++r)
    for (int c = 0; c < 16; ++c) EXPECT_EQ(m0[r * 16 + c], m0[c]) << "one [1, n] mask for the whole batch";
  EXPECT_EQ(m0, values(cell(ps, x, cell.zero_state(3, DType::F64)).output)) << "the same mask at every step";
  cell.start_sequence();
  EXPECT_NE(m0, values(cell(ps, x, cell.zero_state(3, DType::F64)).output)) << "a new mask per sequence";
}

TEST(Dropout, StateDropoutSkipsLstmC) {
  DropoutOptions o;
  o.state_keep_prob = 0.5;
  o.seed = 9;
  DropoutWrapper cell(std::make_shared<IdentityCell>(32), o);
  ag::ParamStore ps(1, DType::F64);
  Var x(Tensor::full({4, 32}, DType::F64, 1.0));
  CellOutput out = cell(ps, x, cell.zero_state(4, DType::F64));
  EXPECT_EQ(values(out.state[0].leaf()), values(x)) << "c is never dropped";
  EXPECT_NE(values(out.state[1].leaf()), values(x)) << "h is";
  EXPECT_EQ(values(out.output), values(x));
}

TEST(Dropout, KeepOneAndDisabledAreIdentity) {
  DropoutOptions o;
  o.input_keep_prob = 0.3;
  o.output_keep_prob = 0.3;
  DropoutWrapper cell(std::make_shared<IdentityCell>(8), o);
  cell.set_enabled(false);
  ag::ParamStore ps(1, DType::F64);
  Var x = random_var({2, 8}, 1);
  EXPECT_EQ(values(cell(ps, x, cell.zero_state(2, DType::F64)).output), values(x));
  DropoutWrapper plain(std::make_shared<IdentityCell>(8));
  CellOutput out = plain(ps, x, plain.zero_state(2, DType::F64));
  EXPECT_TRUE(out.output.node() == x.node()) << "keep = 1.0 adds no op at all";
}

// The same masks whether the counter comes from the wrapper's own base or from a step counter the
// model binds and rewrites before each step (the CUDA-graph contract of dropout_wrapper.h):
// several steps of several calls each, with per-element, variational and state dropout.
TEST(Dropout, BoundStepCounterGivesTheSameMasks) {
  for (bool variational : {false, true}) {
    DropoutOptions o;
    o.input_keep_prob = 0.6;
    o.output_keep_prob = 0.8;
    o.state_keep_prob = 0.7;
    o.variational_recurrent = variational;
    o.input_size = 8;
    o.dtype = DType::F64;
    o.seed = 21;
    DropoutWrapper unbound(std::make_shared<IdentityCell>(8), o), bound(std::make_shared<IdentityCell>(8), o);
    ag::ParamStore ps(1, DType::F64);
    Tensor base = Tensor::zeros({1}, DType::I64);
    bound.bind_step_counter(base);
    EXPECT_TRUE(bound.step_counter_bound());
    for (int step = 0; step < 4; ++step) {
      base.data<std::int64_t>()[0] = static_cast<std::int64_t>(bound.counter());  // the model's upload
      bound.begin_step();
      unbound.begin_step();
      for (int t = 0; t < 3; ++t) {
        Var x = random_var({5, 8}, 100 + step * 10 + t);
        CellOutput a = unbound(ps, x, unbound.zero_state(5, DType::F64));
        CellOutput b = bound(ps, x, bound.zero_state(5, DType::F64));
        EXPECT_EQ(values(a.output), values(b.output)) << "step " << step << " t " << t;
        EXPECT_EQ(values(a.state[1].leaf()), values(b.state[1].leaf())) << "step " << step << " t " << t;
      }
      EXPECT_EQ(bound.calls_this_step(), variational ? 0u : 3u);
      EXPECT_EQ(unbound.counter(), bound.counter());
      if (variational) {
        bound.start_sequence();
        unbound.start_sequence();
      }
    }
  }
}

// A bound wrapper draws from the counter the device holds, not from its host counter: what makes a
// replayed graph draw the next step's masks.
TEST(Dropout, BoundCounterIsReadFromTheTensor) {
  DropoutOptions o;
  o.output_keep_prob = 0.5;
  o.seed = 4;
  DropoutWrapper ref(std::make_shared<IdentityCell>(16), o), bound(std::make_shared<IdentityCell>(16), o);
  ag::ParamStore ps(1, DType::F64);
  Var x(Tensor::full({4, 16}, DType::F64, 1.0));
  ref.set_counter(7);
  auto m7 = values(ref(ps, x, ref.zero_state(4, DType::F64)).output);
  auto m8 = values(ref(ps, x, ref.zero_state(4, DType::F64)).output);
  Tensor base = Tensor::from_vector<std::int64_t>({1}, {7});
  bound.bind_step_counter(base);
  bound.set_counter(1000);  // host counter elsewhere: only the offset since begin_step counts
  bound.begin_step();
  EXPECT_EQ(values(bound(ps, x, bound.zero_state(4, DType::F64)).output), m7);
  EXPECT_EQ(values(bound(ps, x, bound.zero_state(4, DType::F64)).output), m8);
  EXPECT_EQ(bound.calls_this_step(), 2u);
  EXPECT_EQ(bound.counter(), 1002u);
}

TEST(Dropout, CounterCanMoveBackAfterTheOwnBaseExists) {
  DropoutOptions o;
  o.input_keep_prob = 0.5;
  o.seed = 13;
  DropoutWrapper cell(std::make_shared<IdentityCell>(8), o);
  ag::ParamStore ps(1, DType::F64);
  Var x(Tensor::full({4, 8}, DType::F64, 1.0));
  cell.set_counter(5);
  auto m5 = values(cell(ps, x, cell.zero_state(4, DType::F64)).output);
  cell.set_counter(2);  // offset 2 − 5 wraps modulo 2^64 and lands on counter 2
  auto m2 = values(cell(ps, x, cell.zero_state(4, DType::F64)).output);
  DropoutWrapper fresh(std::make_shared<IdentityCell>(8), o);
  fresh.set_counter(2);
  EXPECT_EQ(m2, values(fresh(ps, x, fresh.zero_state(4, DType::F64)).output));
  cell.set_counter(5);
  EXPECT_EQ(m5, values(cell(ps, x, cell.zero_state(4, DType::F64)).output));
}

TEST(Dropout, BoundCounterMisuseThrows) {
  DropoutOptions o;
  o.output_keep_prob = 0.5;
  DropoutWrapper cell(std::make_shared<IdentityCell>(4), o);
  EXPECT_THROW(cell.bind_step_counter(Tensor::zeros({1}, DType::I32)), Error);
  EXPECT_THROW(cell.bind_step_counter(Tensor::zeros({2}, DType::I64)), Error);
  cell.bind_step_counter(Tensor::zeros({1}, DType::I64));
  ag::ParamStore ps(1, DType::F64);
  Var x(Tensor::full({2, 4}, DType::F64, 1.0));
  EXPECT_THROW(cell(ps, x, cell.zero_state(2, DType::F64)), Error) << "bound, but no begin_step()";
  cell.begin_step();
  EXPECT_NO_THROW(cell(ps, x, cell.zero_state(2, DType::F64)));
  cell.bind_step_counter(Tensor());
  EXPECT_FALSE(cell.step_counter_bound());
  EXPECT_NO_THROW(cell(ps, x, cell.zero_state(2, DType::F64))) << "unbound again";
}

}  // namespace
}  // namespace s2s::nn
