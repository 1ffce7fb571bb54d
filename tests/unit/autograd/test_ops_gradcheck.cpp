// Owns: one float64 finite-difference gradient check per differentiable op of autograd/ops.h and
// per shape (odd sizes 1, 7, 33 included), as parameterised tests named
// GradCheck/<Op>.Grad/<case>. The reference is support/gradcheck.h's central difference, which
// only evaluates the ops' forward passes; the backward rules are what is under test.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "s2s/autograd/arith_ops.h"
#include "s2s/autograd/ops.h"
#include "support/gradcheck.h"
#include "support/random.h"

namespace s2s::test {
namespace {

using ag::Var;
using Vars = std::vector<Var>;

struct GradCase {
  std::string name;
  std::vector<Tensor> inputs;  // float64, fixed by the case name's hash
  MultiOutputFn fn;
};
void PrintTo(const GradCase& c, std::ostream* os) { *os << c.name; }
std::string case_name(const ::testing::TestParamInfo<GradCase>& info) { return info.param.name; }

std::uint64_t seed_of(const std::string& name) { return stable_hash(name.data(), name.size()); }

// Inputs U(lo, hi) of the given shapes, seeded by the case name.
GradCase make(const std::string& name, const std::vector<Shape>& shapes, OutputFn fn,
              double lo = -1.0, double hi = 1.0) {
  GradCase c{name, {}, [fn](const Vars& x) { return Vars{fn(x)}; }};
  for (std::size_t i = 0; i < shapes.size(); ++i)
    c.inputs.push_back(random_tensor(shapes[i], DType::F64, seed_of(name) + i, lo, hi));
  return c;
}

std::string dims(const Shape& s) {
  std::string out;  // "7x33"; "scalar" for rank 0
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += 'x';
    out += std::to_string(s[i]);
  }
  return s.empty() ? "scalar" : out;
}

// Shapes for the shape-preserving elementwise ops.
const std::vector<Shape> kElementwiseShapes = {{}, {1}, {7}, {1, 1}, {33, 7}, {7, 33}, {3, 7, 5}, {0, 3}};

#define S2S_GRAD_SUITE(Op, generator)                                                        \
  class Op : public ::testing::TestWithParam<GradCase> {};                                   \
  TEST_P(Op, Grad) { EXPECT_TRUE(grad_check_multi(GetParam().fn, GetParam().inputs)); }     \
  INSTANTIATE_TEST_SUITE_P(GradCheck, Op, ::testing::ValuesIn(generator()), case_name)

// ---- matmul: all four transpose combinations, 2-D and batched 3-D ----
std::vector<GradCase> matmul_cases() {
  struct Mkn { std::int64_t m, k, n; };
  const std::vector<Mkn> sizes = {{1, 1, 1}, {7, 33, 1}, {1, 7, 33}, {33, 7, 7}, {7, 1, 33}};
  std::vector<GradCase> out;
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 2, tb = t & 1;
    const std::string tag = std::string(ta ? "T" : "N") + (tb ? "T" : "N");
    auto fn = [ta, tb](const Vars& x) { return ag::matmul(x[0], x[1], ta, tb); };
    for (const auto& s : sizes) {
      const Shape a = ta ? Shape{s.k, s.m} : Shape{s.m, s.k};
      const Shape b = tb ? Shape{s.n, s.k} : Shape{s.k, s.n};
      out.push_back(make(tag + "_" + dims({s.m, s.k, s.n}), {a, b}, fn));
    }
    for (std::int64_t batch : {1, 3}) {
      const Mkn s = batch == 1 ? Mkn{7, 33, 1} : Mkn{7, 5, 3};
      const Shape a = ta ? Shape{batch, s.k, s.m} : Shape{batch, s.m, s.k};
      const Shape b = tb ? Shape{batch, s.n, s.k} : Shape{batch, s.k, s.n};
      out.push_back(make(tag + "_batch" + std::to_string(batch) + "_" + dims({s.m, s.k, s.n}),
                         {a, b}, fn));
    }
    out.push_back(make(tag + "_batch2_33x1x7", {ta ? Shape{2, 1, 33} : Shape{2, 33, 1},
                                                tb ? Shape{2, 7, 1} : Shape{2, 1, 7}}, fn));
  }
  // The same Var as both operands: both backward contributions must land in one buffer.
  out.push_back(make("self_x_xT_7x33", {{7, 33}},
                     [](const Vars& x) { return ag::matmul(x[0], x[0], false, true); }));
  out.push_back(make("self_xT_x_7x33", {{7, 33}},
                     [](const Vars& x) { return ag::matmul(x[0], x[0], true, false); }));
  return out;
}
S2S_GRAD_SUITE(Matmul, matmul_cases);

// ---- binary elementwise ops ----
template <class F>
std::vector<GradCase> binary_cases(F op) {
  std::vector<GradCase> out;
  for (const Shape& s : kElementwiseShapes)
    out.push_back(make(dims(s), {s, s}, [op](const Vars& x) { return op(x[0], x[1]); }));
  out.push_back(make("same_input_7x33", {{7, 33}}, [op](const Vars& x) { return op(x[0], x[0]); }));
  return out;
}
std::vector<GradCase> add_cases() { return binary_cases([](const Var& a, const Var& b) { return ag::add(a, b); }); }
std::vector<GradCase> sub_cases() { return binary_cases([](const Var& a, const Var& b) { return ag::sub(a, b); }); }
std::vector<GradCase> mul_cases() { return binary_cases([](const Var& a, const Var& b) { return ag::mul(a, b); }); }
S2S_GRAD_SUITE(Add, add_cases);
S2S_GRAD_SUITE(Sub, sub_cases);
S2S_GRAD_SUITE(Mul, mul_cases);

// ---- unary elementwise ops ----
template <class F>
std::vector<GradCase> unary_cases(F op, double lo = -1.0, double hi = 1.0) {
  std::vector<GradCase> out;
  for (const Shape& s : kElementwiseShapes)
    out.push_back(make(dims(s), {s}, [op](const Vars& x) { return op(x[0]); }, lo, hi));
  return out;
}
std::vector<GradCase> scale_cases() { return unary_cases([](const Var& x) { return ag::scale(x, -2.5); }); }
std::vector<GradCase> add_scalar_cases() { return unary_cases([](const Var& x) { return ag::add_scalar(x, 0.75); }); }
std::vector<GradCase> sigmoid_cases() { return unary_cases([](const Var& x) { return ag::sigmoid(x); }, -4, 4); }
std::vector<GradCase> tanh_cases() { return unary_cases([](const Var& x) { return ag::tanh(x); }, -3, 3); }
S2S_GRAD_SUITE(Scale, scale_cases);
S2S_GRAD_SUITE(AddScalar, add_scalar_cases);
S2S_GRAD_SUITE(Sigmoid, sigmoid_cases);
S2S_GRAD_SUITE(Tanh, tanh_cases);

// relu and clip are checked away from their kinks (x ± h never straddles one).
std::vector<GradCase> kinked_cases(OutputFn fn, const std::vector<double>& kinks) {
  std::vector<GradCase> out;
  for (const Shape& s : kElementwiseShapes) {
    const std::string name = dims(s);
    out.push_back({name,
                   {random_away_from(s, DType::F64, seed_of(name), kinks, tol::kKinkMargin)},
                   [fn](const Vars& x) { return Vars{fn(x)}; }});
  }
  return out;
}
std::vector<GradCase> relu_cases() { return kinked_cases([](const Vars& x) { return ag::relu(x[0]); }, {0.0}); }
std::vector<GradCase> clip_cases() {
  return kinked_cases([](const Vars& x) { return ag::clip(x[0], -0.5, 0.5); }, {-0.5, 0.5});
}
S2S_GRAD_SUITE(Relu, relu_cases);
S2S_GRAD_SUITE(Clip, clip_cases);

// ---- broadcasts ----
std::vector<GradCase> add_bias_cases() {
  std::vector<GradCase> out;
  auto fn = [](const Vars& x) { return ag::add_bias(x[0], x[1]); };
  for (const Shape& s : std::vector<Shape>{{1, 1}, {7, 33}, {33, 7}, {1, 7}, {7}, {3, 7, 5}})
    out.push_back(make(dims(s), {s, {s.back()}}, fn));
  return out;
}
std::vector<GradCase> add_broadcast_middle_cases() {
  std::vector<GradCase> out;
  auto fn = [](const Vars& x) { return ag::add_broadcast_middle(x[0], x[1]); };
  for (const Shape& s : std::vector<Shape>{{1, 1, 1}, {3, 7, 5}, {2, 33, 7}, {7, 1, 33}})
    out.push_back(make(dims(s), {s, {s[0], s[2]}}, fn));
  return out;
}
S2S_GRAD_SUITE(AddBias, add_bias_cases);
S2S_GRAD_SUITE(AddBroadcastMiddle, add_broadcast_middle_cases);

// ---- column blocks and shapes ----
std::vector<GradCase> concat_cases() {
  std::vector<GradCase> out;
  const std::vector<std::vector<std::int64_t>> widths = {{1, 7, 33}, {5}, {3, 1}, {2, 0, 4}};
  for (std::int64_t rows : {1, 7}) {
    for (const auto& w : widths) {
      std::vector<Shape> shapes;
      std::string name = "rows" + std::to_string(rows) + "_w";
      for (auto c : w) {
        shapes.push_back({rows, c});
        name += '_';
        name += std::to_string(c);
      }
      out.push_back(make(name, shapes, [](const Vars& x) { return ag::concat(x); }));
    }
  }
  return out;
}
std::vector<GradCase> slice_columns_cases() {
  struct S { Shape x; std::int64_t begin, width; };
  std::vector<GradCase> out;
  for (const S& s : std::vector<S>{{{7, 33}, 5, 7}, {{1, 7}, 0, 7}, {{33, 7}, 6, 1}, {{7, 33}, 0, 33}, {{7, 5}, 2, 0}})
    out.push_back(make(dims(s.x) + "_from" + std::to_string(s.begin) + "_width" + std::to_string(s.width),
                       {s.x}, [s](const Vars& x) { return ag::slice_columns(x[0], s.begin, s.width); }));
  return out;
}
std::vector<GradCase> split_cases() {
  struct S { Shape x; std::vector<std::int64_t> widths; };
  std::vector<GradCase> out;
  for (const S& s : std::vector<S>{{{7, 33}, {1, 7, 25}}, {{1, 7}, {7}}, {{33, 7}, {3, 0, 4}}, {{7, 2}, {1, 1}}}) {
    std::string name = dims(s.x) + "_into";
    for (auto w : s.widths) {
      name += '_';
      name += std::to_string(w);
    }
    GradCase c{name, {random_tensor(s.x, DType::F64, seed_of(name))},
               [s](const Vars& x) { return ag::split(x[0], s.widths); }};  // every part is an output
    out.push_back(c);
  }
  return out;
}
std::vector<GradCase> reshape_cases() {
  struct S { Shape from, to; };
  std::vector<GradCase> out;
  for (const S& s : std::vector<S>{{{7, 33}, {33, 7}}, {{3, 7, 5}, {21, 5}}, {{1}, {}}, {{7}, {1, 7, 1}}}) {
    // Followed by a shape-sensitive op so a wrongly shaped gradient would be caught.
    out.push_back(make(dims(s.from) + "_to_" + dims(s.to), {s.from, s.to}, [s](const Vars& x) {
      return ag::mul(ag::reshape(x[0], s.to), x[1]);
    }));
  }
  return out;
}
S2S_GRAD_SUITE(Concat, concat_cases);
S2S_GRAD_SUITE(SliceColumns, slice_columns_cases);
S2S_GRAD_SUITE(Split, split_cases);
S2S_GRAD_SUITE(Reshape, reshape_cases);

// ---- embedding (repeated ids: the scatter-add must sum their rows) ----
std::vector<GradCase> embedding_cases() {
  struct S { Shape table; std::vector<std::int32_t> ids; };
  std::vector<GradCase> out;
  const std::vector<std::int32_t> many = random_ids(50, 33, 7).to_vector<std::int32_t>();  // repeats
  for (const S& s : std::vector<S>{{{7, 33}, {0, 3, 3, 6, 0, 3}}, {{1, 1}, {0, 0, 0}}, {{33, 7}, many}, {{7, 5}, {6}}, {{7, 5}, {}}}) {
    const Tensor ids = Tensor::from_vector<std::int32_t>({static_cast<std::int64_t>(s.ids.size())}, s.ids);
    out.push_back(make("table" + dims(s.table) + "_ids" + std::to_string(s.ids.size()), {s.table},
                       [ids](const Vars& x) { return ag::embedding_lookup(x[0], ids); }));
  }
  return out;
}
S2S_GRAD_SUITE(EmbeddingLookup, embedding_cases);

// ---- softmax family ----
std::vector<GradCase> softmax_cases() {
  return unary_cases([](const Var& x) { return ag::softmax(x); }, -3, 3);
}
std::vector<GradCase> log_softmax_cases() {
  return unary_cases([](const Var& x) { return ag::log_softmax(x); }, -3, 3);
}
std::vector<GradCase> xent_cases() {
  std::vector<GradCase> out;
  for (const Shape& s : std::vector<Shape>{{1, 1}, {7, 33}, {33, 7}, {1, 7}, {0, 5}}) {
    std::vector<std::int32_t> labels(s[0]);
    for (std::int64_t r = 0; r < s[0]; ++r)  // first, last and repeated classes
      labels[r] = static_cast<std::int32_t>(r % 3 == 0 ? 0 : r % 3 == 1 ? s[1] - 1 : (r * 5) % s[1]);
    const Tensor lab = Tensor::from_vector<std::int32_t>({s[0]}, labels);
    out.push_back(make(dims(s), {s}, [lab](const Vars& x) { return ag::softmax_cross_entropy(x[0], lab); },
                       -3, 3));
  }
  return out;
}
S2S_GRAD_SUITE(Softmax, softmax_cases);
S2S_GRAD_SUITE(LogSoftmax, log_softmax_cases);
S2S_GRAD_SUITE(SoftmaxCrossEntropy, xent_cases);

// ---- reductions ----
std::vector<GradCase> sum_cases() { return unary_cases([](const Var& x) { return ag::sum(x); }); }
std::vector<GradCase> row_sum_cases() {
  std::vector<GradCase> out;
  for (const Shape& s : std::vector<Shape>{{1, 1}, {7, 33}, {33, 7}, {1, 7}, {7, 1}})
    out.push_back(make(dims(s), {s}, [](const Vars& x) { return ag::row_sum(x[0]); }));
  return out;
}
S2S_GRAD_SUITE(Sum, sum_cases);
S2S_GRAD_SUITE(RowSum, row_sum_cases);

// ---- arith_ops.h (div, transpose: host-loop ops the nn part added) ----
std::vector<GradCase> div_cases() {
  std::vector<GradCase> out;
  for (const Shape& s : kElementwiseShapes) {
    const std::string name = dims(s);
    // Denominators kept away from 0 (|b| ≥ 0.15), with both signs.
    out.push_back({name,
                   {random_tensor(s, DType::F64, seed_of(name)),
                    random_away_from(s, DType::F64, seed_of(name) + 1, {0.0}, 0.15)},
                   [](const Vars& x) { return Vars{ag::div(x[0], x[1])}; }});
  }
  out.push_back({"same_input_7x5", {random_away_from({7, 5}, DType::F64, 3, {0.0}, 0.15)},
                 [](const Vars& x) { return Vars{ag::div(x[0], x[0])}; }});
  return out;
}
std::vector<GradCase> transpose_cases() {
  std::vector<GradCase> out;
  for (const Shape& s : std::vector<Shape>{{1, 1}, {7, 33}, {33, 1}, {1, 7}})
    out.push_back(make(dims(s), {s, {s[1], s[0]}},
                       [](const Vars& x) { return ag::mul(ag::transpose(x[0]), x[1]); }));
  return out;
}
S2S_GRAD_SUITE(Div, div_cases);
S2S_GRAD_SUITE(Transpose, transpose_cases);

// ---- composites: fan-out through several ops, the way the cells use them ----
std::vector<GradCase> composite_cases() {
  std::vector<GradCase> out;
  // A GRU-like step: gates = sigmoid([x, h] W + b); r, u = split; c = tanh([x, r*h] Wc + bc);
  // h' = u*h + (1-u)*c, then a softmax loss on h' V. h fans out into four uses.
  const Tensor labels = Tensor::from_vector<std::int32_t>({3}, {0, 4, 2});
  out.push_back(make("gru_like_step", {{3, 4}, {3, 5}, {9, 10}, {10}, {9, 5}, {5}, {5, 5}},
                     [labels](const Vars& p) {
                       const Var &x = p[0], &h = p[1];
                       Var gates = ag::sigmoid(ag::add_bias(ag::matmul(ag::concat({x, h}), p[2]), p[3]));
                       auto ru = ag::split(gates, {5, 5});
                       Var c = ag::tanh(ag::add_bias(
                           ag::matmul(ag::concat({x, ag::mul(ru[0], h)}), p[4]), p[5]));
                       Var one_minus_u = ag::add_scalar(ag::scale(ru[1], -1.0), 1.0);
                       Var h2 = ag::add(ag::mul(ru[1], h), ag::mul(one_minus_u, c));
                       return ag::sum(ag::softmax_cross_entropy(ag::matmul(h2, p[6]), labels));
                     }));
  // Attention-like: scores = row_sum(tanh(keys + query broadcast)), weights = softmax.
  out.push_back(make("attention_like", {{2, 7, 3}, {2, 3}}, [](const Vars& p) {
    Var s = ag::tanh(ag::add_broadcast_middle(p[0], p[1]));         // [2, 7, 3]
    Var scores = ag::reshape(ag::row_sum(ag::reshape(s, {14, 3})), {2, 7});
    Var w = ag::softmax(scores);                                     // [2, 7]
    Var ctx = ag::matmul(ag::reshape(w, {2, 1, 7}), p[0]);           // [2, 1, 3]
    return ag::log_softmax(ag::reshape(ctx, {2, 3}));
  }));
  return out;
}
S2S_GRAD_SUITE(Composite, composite_cases);

// ---- stop_gradient: same value, zero gradient ----
TEST(StopGradient, ForwardsTheValueAndBlocksTheGradient) {
  const Tensor xv = random_tensor({7, 5}, DType::F64, 11);
  Var x(xv.clone(), true);
  ag::Tape tape;
  Var loss;
  {
    ag::TapeScope scope(&tape);
    Var s = ag::stop_gradient(x);
    EXPECT_TRUE(tensors_close(s.value(), xv, 0, 0));
    EXPECT_FALSE(s.requires_grad());
    loss = ag::sum(ag::mul(s, x));  // d/dx = stop_gradient(x) = x, not 2x
  }
  tape.backward(loss);
  ASSERT_TRUE(x.has_grad());
  EXPECT_TRUE(tensors_close(x.grad(), xv, 0, 0));
}

TEST(StopGradient, AloneGivesNoGradient) {
  Var x(random_tensor({3, 4}, DType::F64, 12), true);
  ag::Tape tape;
  ag::TapeScope scope(&tape);
  Var y = ag::sum(ag::stop_gradient(x));
  EXPECT_EQ(tape.size(), 0u);  // nothing to record: no input requires a gradient
  EXPECT_FALSE(x.has_grad());
}

}  // namespace
}  // namespace s2s::test
