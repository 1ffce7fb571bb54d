// Owns: tests of Var and the Tape (autograd/var.h): fan-out sums, accumulation across backward
// passes, recording rules (no tape, no grad-requiring input), skipped dead branches, and the
// grad-ready hook (once per parameter, as soon as its gradient is final, in reverse order of
// first use). Values are small integers so every expected gradient is exact.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "s2s/autograd/ops.h"
#include "support/compare.h"

namespace s2s::test {
namespace {

using ag::Var;
using ::testing::HasSubstr;

Var leaf(std::vector<double> v, bool requires_grad = true) {
  const auto n = static_cast<std::int64_t>(v.size());
  return Var(Tensor::from_vector<double>({n}, v), requires_grad);
}

TEST(Var, GradIsAllocatedZeroOnFirstUseAndZeroGradKeepsIt) {
  Var x = leaf({1, 2, 3});
  EXPECT_TRUE(x.requires_grad());
  EXPECT_FALSE(x.has_grad());
  Tensor& g = x.grad();
  EXPECT_TRUE(x.has_grad());
  EXPECT_TRUE(tensor_matches(g, {0, 0, 0}, 0, 0));
  g.fill(5);
  const void* storage = g.raw();
  x.zero_grad();
  EXPECT_TRUE(tensor_matches(x.grad(), {0, 0, 0}, 0, 0));
  EXPECT_EQ(x.grad().raw(), storage);
  EXPECT_FALSE(ag::constant(Tensor::zeros({1}, DType::F32)).requires_grad());
  EXPECT_THROW(Var().value(), Error);
}

TEST(Tape, FanOutOfALeafSumsEveryUse) {
  Var x = leaf({1, -2, 3});
  ag::Tape tape;
  Var loss;
  {
    ag::TapeScope scope(&tape);
    loss = ag::sum(ag::add(ag::mul(x, x), ag::scale(x, 3.0)));  // Σ x² + 3x
  }
  tape.backward(loss);
  EXPECT_TRUE(tensor_matches(x.grad(), {2 * 1 + 3, 2 * -2 + 3, 2 * 3 + 3}, 0, 0));
}

TEST(Tape, FanOutOfAnIntermediateSumsEveryUse) {
  Var x = leaf({1, 2}), w = leaf({3, -1});
  ag::Tape tape;
  Var loss;
  {
    ag::TapeScope scope(&tape);
    Var h = ag::mul(x, w);                        // h = x w
    loss = ag::sum(ag::add(ag::mul(h, h), h));    // Σ h² + h: dh = 2h + 1
  }
  tape.backward(loss);
  // dx = (2h + 1) w, dw = (2h + 1) x with h = (3, -2).
  EXPECT_TRUE(tensor_matches(x.grad(), {7 * 3, -3 * -1}, 0, 0));
  EXPECT_TRUE(tensor_matches(w.grad(), {7 * 1, -3 * 2}, 0, 0));
}

TEST(Tape, GradientsAccumulateAcrossBackwardPassesUntilZeroed) {
  Var x = leaf({1, 2});
  for (int pass = 1; pass <= 2; ++pass) {
    ag::Tape tape;
    ag::TapeScope scope(&tape);
    Var loss = ag::sum(ag::scale(x, 2.0));
    tape.backward(loss);
    EXPECT_TRUE(tensor_matches(x.grad(), {2.0 * pass, 2.0 * pass}, 0, 0)) << "pass " << pass;
  }
  x.zero_grad();
  EXPECT_TRUE(tensor_matches(x.grad(), {0, 0}, 0, 0));
}

TEST(Tape, RecordsOnlyWithAnActiveTapeAndAGradRequiringInput) {
  Var x = leaf({1, 2}), c = leaf({3, 4}, /*requires_grad=*/false);
  Var y = ag::mul(x, x);  // no tape active
  EXPECT_FALSE(y.requires_grad());
  ag::Tape tape;
  {
    ag::TapeScope scope(&tape);
    EXPECT_EQ(ag::active_tape(), &tape);
    Var k = ag::mul(c, c);  // constants only
    EXPECT_EQ(tape.size(), 0u);
    EXPECT_FALSE(k.requires_grad());
    Var z = ag::mul(x, c);
    EXPECT_EQ(tape.size(), 1u);
    EXPECT_TRUE(z.requires_grad());
    {
      ag::TapeScope off(nullptr);  // e.g. decoding inside a training step
      ag::mul(x, x);
      EXPECT_EQ(ag::active_tape(), nullptr);
    }
    EXPECT_EQ(ag::active_tape(), &tape);
    EXPECT_EQ(tape.size(), 1u);
  }
  EXPECT_EQ(ag::active_tape(), nullptr);
  tape.clear();
  EXPECT_EQ(tape.size(), 0u);
}

TEST(Tape, BranchesNotReachedFromTheRootGetNoGradient) {
  Var a = leaf({1}), b = leaf({2});
  ag::Tape tape;
  Var la, lb;
  {
    ag::TapeScope scope(&tape);
    la = ag::sum(ag::scale(a, 2.0));
    lb = ag::sum(ag::scale(b, 3.0));
  }
  tape.backward(la);
  EXPECT_TRUE(tensor_matches(a.grad(), {2}, 0, 0));
  EXPECT_FALSE(b.has_grad());
}

TEST(Tape, BackwardRootMustHaveOneElement) {
  Var x = leaf({1, 2});
  ag::Tape tape;
  ag::TapeScope scope(&tape);
  Var y = ag::scale(x, 2.0);
  try {
    tape.backward(y);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("backward(root) needs a one-element root, got shape [2]"));
  }
}

TEST(Tape, SeededBackwardWithoutRoot) {
  // Seeding an output's gradient by hand and calling backward() is how vector outputs are
  // differentiated (the gradient checker does this).
  Var x = leaf({1, 2, 3});
  ag::Tape tape;
  Var y;
  {
    ag::TapeScope scope(&tape);
    y = ag::mul(x, x);
  }
  y.grad().copy_from(Tensor::from_vector<double>({3}, {1, 10, 100}));
  tape.backward();
  EXPECT_TRUE(tensor_matches(x.grad(), {2, 40, 600}, 0, 0));
}

// ---- grad-ready hook ----
struct HookLog {
  std::vector<std::string> order;
  std::vector<std::vector<double>> grads_at_call;
};

TEST(GradReadyHook, FiresOncePerParameterAfterItsLastUseInReverseOrder) {
  Var a = leaf({1, 2}), b = leaf({3, 4}), c = leaf({5, 6}), unused = leaf({0, 0});
  a.node()->name = "a";
  b.node()->name = "b";
  c.node()->name = "c";
  unused.node()->name = "unused";
  Var x = leaf({1, -1}, /*requires_grad=*/false);  // an input, not a parameter
  ag::Tape tape;
  Var loss;
  {
    ag::TapeScope scope(&tape);
    Var t0 = ag::mul(a, x);         // entry 0: a's first use
    Var t1 = ag::mul(t0, b);        // entry 1: b
    Var t2 = ag::mul(t1, c);        // entry 2: c
    Var t3 = ag::add(t2, a);        // entry 3: a again
    Var t4 = ag::mul(t3, t3);       // entry 4: an intermediate used twice
    loss = ag::sum(t4);             // entry 5
  }
  HookLog log;
  tape.backward(loss, [&](const Var& p) {
    log.order.push_back(p.name());
    log.grads_at_call.push_back(to_doubles(p.grad()));
  });
  // Backward runs entries 5..0: c is final after entry 2, b after 1, a only after entry 0.
  EXPECT_EQ(log.order, (std::vector<std::string>{"c", "b", "a"}));
  ASSERT_EQ(log.grads_at_call.size(), 3u);
  EXPECT_EQ(log.grads_at_call[0], to_doubles(c.grad()));  // the gradient was already final
  EXPECT_EQ(log.grads_at_call[1], to_doubles(b.grad()));
  EXPECT_EQ(log.grads_at_call[2], to_doubles(a.grad()));
  // And it is right: loss = Σ (a x b c + a)², d/da = 2 t3 (x b c + 1), etc.
  // t3 = (1*1*3*5 + 1, 2*-1*4*6 + 2) = (16, -46).
  EXPECT_TRUE(tensor_matches(a.grad(), {2 * 16 * (1 * 3 * 5 + 1), 2 * -46 * (-1 * 4 * 6 + 1)}, 0, 0));
  EXPECT_TRUE(tensor_matches(b.grad(), {2 * 16 * (1 * 1 * 5), 2 * -46 * (2 * -1 * 6)}, 0, 0));
  EXPECT_TRUE(tensor_matches(c.grad(), {2 * 16 * (1 * 1 * 3), 2 * -46 * (2 * -1 * 4)}, 0, 0));
}

TEST(GradReadyHook, ParameterUsedTwiceInOneOpFiresOnce) {
  Var w = leaf({3});
  w.node()->name = "w";
  ag::Tape tape;
  Var loss;
  {
    ag::TapeScope scope(&tape);
    loss = ag::sum(ag::mul(w, w));
  }
  int calls = 0;
  tape.backward(loss, [&](const Var& p) {
    ++calls;
    EXPECT_EQ(p.name(), "w");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(tensor_matches(w.grad(), {6}, 0, 0));
}

TEST(GradReadyHook, NotCalledForConstantsOrIntermediates) {
  Var w = leaf({2}), k = leaf({5}, false);
  ag::Tape tape;
  Var loss;
  {
    ag::TapeScope scope(&tape);
    loss = ag::sum(ag::mul(ag::scale(w, 2.0), k));
  }
  std::vector<const ag::Node*> seen;
  tape.backward(loss, [&](const Var& p) { seen.push_back(p.node()); });
  EXPECT_EQ(seen, (std::vector<const ag::Node*>{w.node()}));
}

}  // namespace
}  // namespace s2s::test
