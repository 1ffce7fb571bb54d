// Owns: tests of ParamStore and VariableScope (autograd/param_store.h): TF variable-scope naming,
// reuse No/Yes/Auto and its inheritance, scope initializers and dtypes, preloaded values, and
// initial values that depend on (seed, name) only, never on creation order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "s2s/autograd/param_store.h"
#include "support/compare.h"

namespace s2s::test {
namespace {

using ag::Initializer;
using ag::ParamStore;
using ag::Reuse;
using ag::Var;
using ag::VariableScope;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void expect_error(const std::function<void()>& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "expected s2s::Error";
  } catch (const Error& e) {
    for (const auto& frag : fragments) EXPECT_THAT(e.what(), HasSubstr(frag));
  }
}

TEST(ParamStore, CreatesNamedTrainableVariables) {
  ParamStore store(1);
  Var w;
  {
    VariableScope s(store, "enc");
    EXPECT_EQ(store.current_scope(), "enc");
    w = store.get_variable("w", {2, 3});
  }
  EXPECT_EQ(store.current_scope(), "");
  Var b = store.get_variable("b", {4});
  EXPECT_EQ(w.name(), "enc/w");
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  EXPECT_EQ(w.dtype(), DType::F32);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(store.contains("enc/w"));
  EXPECT_FALSE(store.contains("w"));
  EXPECT_EQ(store.get("enc/w").node(), w.node());
  EXPECT_THAT(store.names(), ElementsAre("enc/w", "b"));  // creation order
  ASSERT_EQ(store.parameters().size(), 2u);
  EXPECT_EQ(store.parameters()[1].node(), b.node());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.total_elements(), 10);
  expect_error([&] { store.get("enc/missing"); }, {"no parameter named enc/missing"});
  expect_error([&] { store.get_variable("", {1}); }, {"empty variable name"});
}

TEST(ParamStore, CreatingTwiceWithoutReuseNamesThePath) {
  ParamStore store;
  VariableScope s(store, "attention_decoder");
  store.get_variable("AttnW_0", {1, 1, 4, 4});
  expect_error([&] { store.get_variable("AttnW_0", {1, 1, 4, 4}); },
               {"Variable attention_decoder/AttnW_0 already exists, disallowed"});
}

TEST(ParamStore, ReuseYesReturnsTheSameVariableAndNamesMissingPaths) {
  ParamStore store;
  Var w;
  {
    VariableScope s(store, "rnn");
    w = store.get_variable("kernel", {3, 2});
  }
  VariableScope s(store, "rnn", Reuse::Yes);
  EXPECT_EQ(store.current_reuse(), Reuse::Yes);
  EXPECT_EQ(store.get_variable("kernel", {3, 2}).node(), w.node());
  expect_error([&] { store.get_variable("bias", {2}); },
               {"Variable rnn/bias does not exist", "reuse=Yes"});
  expect_error([&] { store.get_variable("kernel", {2, 3}); },
               {"Trying to share variable rnn/kernel, but specified shape [2, 3] and found shape [3, 2]"});
  EXPECT_EQ(store.size(), 1u);
}

TEST(ParamStore, ReuseAutoCreatesOrReturns) {
  ParamStore store;
  VariableScope s(store, "shared", Reuse::Auto);
  Var a = store.get_variable("v", {2});
  Var b = store.get_variable("v", {2});
  EXPECT_EQ(a.node(), b.node());
  EXPECT_EQ(store.size(), 1u);
  expect_error([&] { store.get_variable("v", {3}); }, {"Trying to share variable shared/v"});
}

TEST(VariableScope, NestedNamesAndEmptyNames) {
  ParamStore store;
  VariableScope a(store, "embedding_attention_seq2seq");
  {
    VariableScope b(store, "rnn");
    VariableScope c(store, "");  // changes nothing in the path
    VariableScope d(store, "gru_cell");
    EXPECT_EQ(store.current_scope(), "embedding_attention_seq2seq/rnn/gru_cell");
    EXPECT_EQ(store.get_variable("gates", {2}).name(), "embedding_attention_seq2seq/rnn/gru_cell/gates");
  }
  EXPECT_EQ(store.current_scope(), "embedding_attention_seq2seq");
  // The same name in a different scope is a different variable.
  VariableScope e(store, "decoder");
  EXPECT_NO_THROW(store.get_variable("gates", {2}));
  EXPECT_EQ(store.size(), 2u);
}

TEST(VariableScope, ReuseIsInheritedAndCannotBeTurnedOffInside) {
  ParamStore store;
  EXPECT_EQ(store.current_reuse(), Reuse::No);
  {
    VariableScope outer(store, "a", Reuse::Yes);
    VariableScope inherit(store, "b");
    EXPECT_EQ(store.current_reuse(), Reuse::Yes);
    VariableScope try_off(store, "c", Reuse::No);
    EXPECT_EQ(store.current_reuse(), Reuse::Yes);
  }
  {
    VariableScope outer(store, "a", Reuse::Auto);
    VariableScope inherit(store, "b");
    EXPECT_EQ(store.current_reuse(), Reuse::Auto);
  }
  EXPECT_EQ(store.current_reuse(), Reuse::No);
  // reuse inherited from an outer scope applies to variables created in the inner one.
  {
    VariableScope s(store, "x");
    store.get_variable("w", {1});
  }
  VariableScope outer(store, "x", Reuse::Yes);
  VariableScope empty(store, "");
  EXPECT_NO_THROW(store.get_variable("w", {1}));
  expect_error([&] { store.get_variable("v", {1}); }, {"Variable x/v does not exist"});
}

TEST(VariableScope, InitializerAppliesToNestedScopesUnlessExplicit) {
  ParamStore store(3);
  VariableScope s(store, "proj", std::nullopt, Initializer::constant(0.5));
  EXPECT_TRUE(tensor_matches(store.get_variable("w", {2, 2}).value(), {0.5, 0.5, 0.5, 0.5}, 0, 0));
  {
    VariableScope inner(store, "inner");  // inherits the initializer
    EXPECT_TRUE(tensor_matches(store.get_variable("w", {3}).value(), {0.5, 0.5, 0.5}, 0, 0));
    VariableScope override_scope(store, "o", std::nullopt, Initializer::constant(-1.0));
    EXPECT_TRUE(tensor_matches(store.get_variable("w", {1}).value(), {-1}, 0, 0));
  }
  // An explicit initializer wins over the scope's (biases with constant_initializer).
  EXPECT_TRUE(tensor_matches(store.get_variable("b", {2}, Initializer::constant(1.0)).value(), {1, 1}, 0, 0));
  // Without any scope initializer, the default is glorot_uniform: random, within the limit.
  ParamStore plain(3);
  Var g = plain.get_variable("w", {20, 30});
  const double limit = std::sqrt(6.0 / 50.0);
  double lo = 1, hi = -1;
  for (double v : to_doubles(g.value())) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_GE(lo, -limit);
  EXPECT_LE(hi, limit);
  EXPECT_LT(lo, -0.9 * limit);  // spans the range: not a constant
  EXPECT_GT(hi, 0.9 * limit);
}

TEST(VariableScope, DtypeFromScopeOrArgument) {
  ParamStore store(0, DType::F32);
  EXPECT_EQ(store.get_variable("a", {1}).dtype(), DType::F32);
  VariableScope s(store, "d", std::nullopt, std::nullopt, DType::F64);
  EXPECT_EQ(store.current_dtype(), DType::F64);
  EXPECT_EQ(store.get_variable("b", {1}).dtype(), DType::F64);
  {
    VariableScope inner(store, "i");
    EXPECT_EQ(store.get_variable("c", {1}).dtype(), DType::F64);
  }
  EXPECT_EQ(store.get_variable("e", {1}, std::nullopt, DType::F32).dtype(), DType::F32);
}

TEST(ParamStore, PreloadedValuesAreTakenAndReported) {
  ParamStore store(0, DType::F32);
  store.preload("m/w", Tensor::from_vector<double>({6}, {1, 2, 3, 4, 5, 6}));  // flat, float64
  store.preload("m/b", Tensor::from_vector<float>({2}, {7, 8}));
  store.preload("m/extra", Tensor::zeros({1}, DType::F32));
  VariableScope s(store, "m");
  Var w = store.get_variable("w", {2, 3});
  EXPECT_EQ(w.dtype(), DType::F32);
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  EXPECT_TRUE(tensor_matches(w.value(), {1, 2, 3, 4, 5, 6}, 0, 0));
  // The preloaded value wins over any initializer.
  EXPECT_TRUE(tensor_matches(store.get_variable("b", {2}, Initializer::zeros()).value(), {7, 8}, 0, 0));
  EXPECT_THAT(store.unused_preloaded(), ElementsAre("m/extra"));
  expect_error([&] { store.get_variable("missing", {3}); },
               {"parameter m/missing [3] is needed by the model but missing from the loaded values"});
}

TEST(ParamStore, PreloadedValueOfTheWrongSizeNamesBothShapes) {
  ParamStore store;
  store.preload("w", Tensor::zeros({5}, DType::F32));
  expect_error([&] { store.get_variable("w", {2, 3}); },
               {"parameter w has shape [5] in the loaded values, the model needs [2, 3]"});
}

TEST(ParamStore, PreloadedValueIsACopy) {
  ParamStore store;
  Tensor src = Tensor::from_vector<float>({2}, {1, 2});
  store.preload("w", src);
  Var w = store.get_variable("w", {2});
  src.fill(9);
  EXPECT_TRUE(tensor_matches(w.value(), {1, 2}, 0, 0));
}

TEST(ParamStore, InitialValuesDependOnSeedAndNameOnly) {
  auto make = [](std::uint64_t seed, bool reversed) {
    ParamStore store(seed);
    std::vector<std::string> names = {"enc/w", "dec/w", "proj/w"};
    if (reversed) std::reverse(names.begin(), names.end());
    for (const auto& n : names) {
      const auto slash = n.find('/');
      VariableScope s(store, n.substr(0, slash));
      store.get_variable(n.substr(slash + 1), {4, 5});
    }
    return store;
  };
  ParamStore a = make(11, false), b = make(11, true), c = make(12, false);
  for (const char* n : {"enc/w", "dec/w", "proj/w"})
    EXPECT_TRUE(tensors_close(a.get(n).value(), b.get(n).value(), 0, 0)) << n;  // order-independent
  EXPECT_FALSE(tensors_close(a.get("enc/w").value(), c.get("enc/w").value(), 0, 0));  // seed matters
  EXPECT_FALSE(tensors_close(a.get("enc/w").value(), a.get("dec/w").value(), 0, 0));  // name matters
}

TEST(ParamStore, ZeroGradsZeroesEveryExistingGradient) {
  ParamStore store;
  Var a = store.get_variable("a", {2}), b = store.get_variable("b", {3});
  a.grad().fill(3);
  store.zero_grads();
  EXPECT_TRUE(tensor_matches(a.grad(), {0, 0}, 0, 0));
  EXPECT_FALSE(b.has_grad());  // no buffer is allocated for parameters without one
}

}  // namespace
}  // namespace s2s::test
