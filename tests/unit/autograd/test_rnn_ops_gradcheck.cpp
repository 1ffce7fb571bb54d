// Owns: float64 finite-difference gradient checks of the fused ops (autograd/rnn_ops.h,
// autograd/sampled_logit_ops.h) on odd shapes: the GRU gates/output pair (alone, and as a whole
// step with the candidate GEMM in between and the state fanning out), the BasicLSTM step with both
// outputs, only h', only c', and two chained steps (c' of one step feeding the next), the attention
// score, and the sampled-softmax logit ops; plus the claim of rnn_ops.h that the fused forward
// equals the unfused composition, and that a fused op records one tape entry per output.
// The reference is support/gradcheck.h's central difference over the ops' forward passes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "s2s/autograd/ops.h"
#include "s2s/autograd/rnn_ops.h"
#include "s2s/autograd/sampled_logit_ops.h"
#include "support/compare.h"
#include "support/gradcheck.h"
#include "support/random.h"

namespace s2s::test {
namespace {

using ag::Var;
using Vars = std::vector<Var>;

std::vector<Tensor> inputs(const std::vector<Shape>& shapes, std::uint64_t seed, double lo = -1.5, double hi = 1.5) {
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < shapes.size(); ++i) out.push_back(random_tensor(shapes[i], DType::F64, seed + i, lo, hi));
  return out;
}

struct Bn {
  std::int64_t b, n;
};
const Bn kCellSizes[] = {{1, 1}, {3, 7}, {7, 5}};

TEST(RnnOpsGradCheck, GruGatesAndOutput) {
  for (const Bn s : kCellSizes) {
    // Both outputs of the gates op (rh, and through gru_output the u half) and all of gru_output.
    auto f = [](const Vars& x) {
      ag::GruGates g = ag::gru_gates(x[0], x[1]);
      return Vars{g.rh, ag::gru_output(x[0], g, x[2], x[1])};
    };
    EXPECT_TRUE(grad_check_multi(f, inputs({{s.b, 2 * s.n}, {s.b, s.n}, {s.b, s.n}}, 10 * s.b + s.n)))
        << s.b << "x" << s.n;
  }
}

TEST(RnnOpsGradCheck, GruStepWithCandidateGemm) {
  // x [3, 4], h [3, 5], W_g [9, 10], b_g [10], W_c [9, 5], b_c [5]: the cell's own wiring.
  auto f = [](const Vars& p) {
    const Var &x = p[0], &h = p[1];
    Var zg = ag::add_bias(ag::matmul(ag::concat({x, h}), p[2]), p[3]);
    ag::GruGates g = ag::gru_gates(zg, h);
    Var zc = ag::add_bias(ag::matmul(ag::concat({x, g.rh}), p[4]), p[5]);
    return ag::gru_output(zg, g, zc, h);
  };
  EXPECT_TRUE(grad_check(f, inputs({{3, 4}, {3, 5}, {9, 10}, {10}, {9, 5}, {5}}, 77)));
}

TEST(RnnOpsGradCheck, BasicLstmBothOutputsAndEach) {
  for (const Bn s : kCellSizes) {
    const auto in = inputs({{s.b, 4 * s.n}, {s.b, s.n}}, 100 + 10 * s.b + s.n);
    auto both = [](const Vars& x) {
      ag::LstmStep st = ag::basic_lstm_cell(x[0], x[1], 0.75);
      return Vars{st.c, st.h};
    };
    auto only_h = [](const Vars& x) { return ag::basic_lstm_cell(x[0], x[1], 1.0).h; };
    auto only_c = [](const Vars& x) { return ag::basic_lstm_cell(x[0], x[1], 1.0).c; };
    EXPECT_TRUE(grad_check_multi(both, in)) << s.b << "x" << s.n;
    EXPECT_TRUE(grad_check(only_h, in)) << s.b << "x" << s.n;
    EXPECT_TRUE(grad_check(only_c, in)) << s.b << "x" << s.n;
  }
}

TEST(RnnOpsGradCheck, TwoChainedLstmSteps) {
  // c' of step 1 feeds step 2 and h' of step 1 is an output too: step 1's h' entry must see the
  // full c' gradient (from step 2) when it runs.
  auto f = [](const Vars& x) {
    ag::LstmStep s1 = ag::basic_lstm_cell(x[0], x[2], 1.0);
    ag::LstmStep s2 = ag::basic_lstm_cell(ag::add(x[1], ag::concat({s1.h, s1.h, s1.h, s1.h})), s1.c, 0.5);
    return Vars{s1.h, s2.h, s2.c};
  };
  EXPECT_TRUE(grad_check_multi(f, inputs({{3, 8}, {3, 8}, {3, 2}}, 300)));
}

TEST(RnnOpsGradCheck, AttentionScore) {
  struct Bla { std::int64_t b, l, a; };
  for (const Bla s : {Bla{1, 1, 1}, Bla{2, 7, 3}, Bla{3, 5, 7}}) {
    auto f = [](const Vars& x) { return ag::attention_score(x[0], x[1], x[2]); };
    EXPECT_TRUE(grad_check(f, inputs({{s.b, s.l, s.a}, {s.b, s.a}, {s.a}}, 400 + s.b + s.l + s.a)))
        << s.b << "x" << s.l << "x" << s.a;
  }
  // Inside the attention step: softmax over the scores and the context α @ H.
  auto step = [](const Vars& x) {
    Var e = ag::attention_score(x[0], x[1], x[2]);
    Var alpha = ag::softmax(e);
    return ag::reshape(ag::matmul(ag::reshape(alpha, {2, 1, 5}), x[0]), {2, 3});
  };
  EXPECT_TRUE(grad_check(step, inputs({{2, 5, 3}, {2, 3}, {3}}, 450)));
}

TEST(RnnOpsGradCheck, SampledLogitOps) {
  const Tensor sampled = Tensor::from_vector<std::int32_t>({4}, {3, 0, 7, 1});
  const Tensor labels = Tensor::from_vector<std::int32_t>({3, 1}, {0, 5, 1});
  const Tensor q = random_tensor({4}, DType::F64, 501, 0.01, 1.0);
  // The masked entries become −FLT_MAX; a softmax gives them probability 0 (a log-softmax would
  // output ~−FLT_MAX, whose rounding swamps the probe sum of the finite differences).
  auto f = [&](const Vars& x) {
    Var y = ag::subtract_log_q(ag::mask_accidental_hits(x[0], sampled, labels), q);
    return ag::softmax(y);
  };
  EXPECT_TRUE(grad_check(f, inputs({{3, 4}}, 500)));
}

TEST(RnnOps, FusedForwardEqualsUnfusedComposition) {
  const Tensor z = random_tensor({3, 8}, DType::F64, 600, -2, 2), c = random_tensor({3, 2}, DType::F64, 601);
  ag::LstmStep s = ag::basic_lstm_cell(ag::constant(z), ag::constant(c), 1.0);
  auto g = ag::split(ag::constant(z), {2, 2, 2, 2});
  Var c2 = ag::add(ag::mul(ag::constant(c), ag::sigmoid(ag::add_scalar(g[2], 1.0))),
                   ag::mul(ag::sigmoid(g[0]), ag::tanh(g[1])));
  Var h2 = ag::mul(ag::tanh(c2), ag::sigmoid(g[3]));
  EXPECT_TRUE(tensors_close(s.c.value(), c2.value(), 0, 0));
  EXPECT_TRUE(tensors_close(s.h.value(), h2.value(), 0, 0));
}

TEST(RnnOps, RecordsOneEntryPerOutputAndNothingWithoutGradients) {
  Var z(random_tensor({2, 8}, DType::F64, 700), true), c(random_tensor({2, 2}, DType::F64, 701), false);
  ag::Tape tape;
  {
    ag::TapeScope scope(&tape);
    ag::basic_lstm_cell(z, c, 1.0);
    ag::basic_lstm_cell(ag::constant(z.value()), c, 1.0);  // no input takes a gradient
  }
  EXPECT_EQ(tape.size(), 2u);
}

}  // namespace
}  // namespace s2s::test
