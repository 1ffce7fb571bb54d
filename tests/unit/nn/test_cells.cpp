// Tests: every cell of spec §1 against a plain-loop reference step (values) and float64 central
// differences (gradients), with the variable names of §13.1.
#include <gtest/gtest.h>

#include "grad_check.h"
#include "reference_math.h"
#include "s2s/nn/nn.h"

namespace s2s::nn {
namespace {

using namespace s2s::nn::testing;

constexpr std::int64_t kB = 2, kIn = 3, kN = 4;

Mat param(ag::ParamStore& ps, const std::string& name) { return from_var(ps.get(name)); }

// Runs one step twice: once to create the variables, then with randomised parameters.
CellOutput step_randomized(ag::ParamStore& ps, RNNCell& cell, const Var& x, const State& s) {
  cell(ps, x, s);
  randomize_params(ps);
  ag::VariableScope reuse(ps, "", ag::Reuse::Yes);
  return cell(ps, x, s);
}

TEST(Cells, BasicRNNMatchesReference) {
  ag::ParamStore ps(1, DType::F64);
  BasicRNNCell cell(kN);
  Var x = random_var({kB, kIn}, 1), h = random_var({kB, kN}, 2);
  CellOutput out = step_randomized(ps, cell, x, State(h));
  Mat ref = map(add_row(matmul(hcat(from_var(x), from_var(h)), param(ps, "basic_rnn_cell/kernel")),
                        param(ps, "basic_rnn_cell/bias")),
                [](double v) { return std::tanh(v); });
  expect_near(ref, out.output, 1e-12, "output");
  expect_near(ref, out.state.leaf(), 1e-12, "state");
  EXPECT_EQ(ps.names(), (std::vector<std::string>{"basic_rnn_cell/kernel", "basic_rnn_cell/bias"}));
}

TEST(Cells, GRUMatchesReference) {
  ag::ParamStore ps(1, DType::F64);
  GRUCell cell(kN);
  Var x = random_var({kB, kIn}, 1), h = random_var({kB, kN}, 2);
  {  // Fresh variables: gates bias starts at 1.0, candidate bias at 0 (§1.2).
    ag::ParamStore fresh(1, DType::F64);
    cell(fresh, x, State(h));
    for (double b : fresh.get("gru_cell/gates/bias").value().to_vector<double>()) EXPECT_EQ(b, 1.0);
    for (double b : fresh.get("gru_cell/candidate/bias").value().to_vector<double>()) EXPECT_EQ(b, 0.0);
  }
  CellOutput out = step_randomized(ps, cell, x, State(h));
  Mat X = from_var(x), H = from_var(h);
  Mat g = map(add_row(matmul(hcat(X, H), param(ps, "gru_cell/gates/kernel")), param(ps, "gru_cell/gates/bias")), sigm);
  Mat r = cols(g, 0, kN), u = cols(g, kN, kN);
  Mat rh(kB, kN);
  for (size_t i = 0; i < rh.v.size(); ++i) rh.v[i] = r.v[i] * H.v[i];
  Mat c = map(add_row(matmul(hcat(X, rh), param(ps, "gru_cell/candidate/kernel")), param(ps, "gru_cell/candidate/bias")),
              [](double v) { return std::tanh(v); });
  Mat ref(kB, kN);
  for (size_t i = 0; i < ref.v.size(); ++i) ref.v[i] = u.v[i] * H.v[i] + (1 - u.v[i]) * c.v[i];
  expect_near(ref, out.output, 1e-12, "h'");
  EXPECT_EQ(ps.names(), (std::vector<std::string>{"gru_cell/gates/kernel", "gru_cell/gates/bias",
                                                  "gru_cell/candidate/kernel", "gru_cell/candidate/bias"}));
  EXPECT_EQ(ps.get("gru_cell/gates/kernel").shape(), (Shape{kIn + kN, 2 * kN}));
}

Mat lstm_ref(const Mat& X, const Mat& C, const Mat& H, const Mat& W, const Mat& b, double forget_bias, Mat* new_c) {
  Mat z = add_row(matmul(hcat(X, H), W), b);
  const std::int64_t n = C.cols;
  Mat i = cols(z, 0, n), j = cols(z, n, n), f = cols(z, 2 * n, n), o = cols(z, 3 * n, n);
  Mat c(C.rows, n), h(C.rows, n);
  for (size_t k = 0; k < c.v.size(); ++k) {
    c.v[k] = C.v[k] * sigm(f.v[k] + forget_bias) + sigm(i.v[k]) * std::tanh(j.v[k]);
    h.v[k] = std::tanh(c.v[k]) * sigm(o.v[k]);
  }
  *new_c = c;
  return h;
}

TEST(Cells, BasicLSTMTupleMatchesReference) {
  ag::ParamStore ps(1, DType::F64);
  BasicLSTMCellOptions o;
  o.forget_bias = 0.7;
  BasicLSTMCell cell(kN, o);
  Var x = random_var({kB, kIn}, 1), c = random_var({kB, kN}, 2), h = random_var({kB, kN}, 3);
  CellOutput out = step_randomized(ps, cell, x, State::lstm(c, h));
  Mat new_c;
  Mat ref_h = lstm_ref(from_var(x), from_var(c), from_var(h), param(ps, "basic_lstm_cell/kernel"),
                       param(ps, "basic_lstm_cell/bias"), 0.7, &new_c);
  expect_near(ref_h, out.output, 1e-12, "h'");
  ASSERT_TRUE(out.state.is_lstm_tuple());
  expect_near(new_c, out.state[0].leaf(), 1e-12, "c'");
  expect_near(ref_h, out.state[1].leaf(), 1e-12, "h' (state)");
}

TEST(Cells, BasicLSTMConcatenatedStateMatchesTuple) {
  ag::ParamStore ps(1, DType::F64);
  BasicLSTMCellOptions o;
  o.state_is_tuple = false;
  BasicLSTMCell cell(kN, o);
  EXPECT_EQ(cell.state_size().leaf(), 2 * kN);
  Var x = random_var({kB, kIn}, 1), c = random_var({kB, kN}, 2), h = random_var({kB, kN}, 3);
  CellOutput out = step_randomized(ps, cell, x, State(ag::concat({c, h})));
  Mat new_c;
  Mat ref_h = lstm_ref(from_var(x), from_var(c), from_var(h), param(ps, "basic_lstm_cell/kernel"),
                       param(ps, "basic_lstm_cell/bias"), 1.0, &new_c);
  expect_near(hcat(new_c, ref_h), out.state.leaf(), 1e-12, "concat(c', h')");
}

TEST(Cells, LSTMCellAllOptionsMatchesReference) {
  ag::ParamStore ps(1, DType::F64);
  LSTMCellOptions o;
  o.use_peepholes = true;
  o.cell_clip = 0.5;
  o.num_proj = 3;
  o.proj_clip = 0.2;
  o.forget_bias = 0.5;
  LSTMCell cell(kN, o);
  const std::int64_t p = 3;
  Var x = random_var({kB, kIn}, 1), c = random_var({kB, kN}, 2), m = random_var({kB, p}, 3);
  CellOutput out = step_randomized(ps, cell, x, State::lstm(c, m));
  EXPECT_EQ(ps.names(), (std::vector<std::string>{"lstm_cell/kernel", "lstm_cell/bias", "lstm_cell/w_f_diag",
                                                  "lstm_cell/w_i_diag", "lstm_cell/w_o_diag",
                                                  "lstm_cell/projection/kernel"}));
  Mat X = from_var(x), C = from_var(c), M = from_var(m);
  Mat z = add_row(matmul(hcat(X, M), param(ps, "lstm_cell/kernel")), param(ps, "lstm_cell/bias"));
  Mat wf = param(ps, "lstm_cell/w_f_diag"), wi = param(ps, "lstm_cell/w_i_diag"), wo = param(ps, "lstm_cell/w_o_diag");
  Mat newc(kB, kN), mm(kB, kN);
  for (std::int64_t b = 0; b < kB; ++b)
    for (std::int64_t k = 0; k < kN; ++k) {
      const double i = z(b, k), j = z(b, kN + k), f = z(b, 2 * kN + k), og = z(b, 3 * kN + k);
      double cv = sigm(f + 0.5 + wf.v[k] * C(b, k)) * C(b, k) + sigm(i + wi.v[k] * C(b, k)) * std::tanh(j);
      cv = std::clamp(cv, -0.5, 0.5);
      newc(b, k) = cv;
      mm(b, k) = sigm(og + wo.v[k] * cv) * std::tanh(cv);
    }
  Mat proj = map(matmul(mm, param(ps, "lstm_cell/projection/kernel")), [](double v) { return std::clamp(v, -0.2, 0.2); });
  expect_near(proj, out.output, 1e-12, "m");
  expect_near(newc, out.state[0].leaf(), 1e-12, "c");
  EXPECT_EQ(cell.output_size(), p);
  EXPECT_EQ(to_string(cell.state_size()), "LSTMStateTuple(c=4, h=3)");
}

TEST(Cells, MultiRNNStacksLayersInScopes) {
  ag::ParamStore ps(1, DType::F64);
  auto l0 = std::make_shared<GRUCell>(kN);
  auto l1 = std::make_shared<BasicLSTMCell>(kN);
  MultiRNNCell cell({l0, l1});
  Var x = random_var({kB, kIn}, 1);
  State s = cell.zero_state(kB, DType::F64);
  ASSERT_EQ(s.flatten().size(), 3u);  // h0, c1, h1 depth-first
  CellOutput out = step_randomized(ps, cell, x, s);
  EXPECT_EQ(ps.names(), (std::vector<std::string>{
                            "multi_rnn_cell/cell_0/gru_cell/gates/kernel", "multi_rnn_cell/cell_0/gru_cell/gates/bias",
                            "multi_rnn_cell/cell_0/gru_cell/candidate/kernel",
                            "multi_rnn_cell/cell_0/gru_cell/candidate/bias", "multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
                            "multi_rnn_cell/cell_1/basic_lstm_cell/bias"}));
  // Same result as running the layers by hand in the same scopes.
  ag::VariableScope reuse(ps, "", ag::Reuse::Yes);
  ag::VariableScope m(ps, "multi_rnn_cell");
  CellOutput a, b;
  {
    ag::VariableScope c0(ps, "cell_0");
    a = (*l0)(ps, x, s[0]);
  }
  {
    ag::VariableScope c1(ps, "cell_1");
    b = (*l1)(ps, a.output, s[1]);
  }
  expect_near(from_var(b.output), out.output, 0.0, "top output");
  expect_near(from_var(a.output), out.state[0].leaf(), 0.0, "layer 0 state");
}

TEST(Cells, WrappersNestScopesAsTF) {
  ag::ParamStore ps(1, DType::F64);
  auto inner = std::make_shared<BasicLSTMCell>(kN);
  auto emb = std::make_shared<EmbeddingWrapper>(std::make_shared<InputProjectionWrapper>(inner, 5), 7, 3);
  OutputProjectionWrapper cell(emb, 6);
  Var ids = ag::constant(ids_tensor({4, 0}));
  CellOutput out = cell(ps, ids, cell.zero_state(kB, DType::F64));
  EXPECT_EQ(out.output.shape(), (Shape{kB, 6}));
  EXPECT_EQ(ps.names(),
            (std::vector<std::string>{
                "output_projection_wrapper/embedding_wrapper/embedding",
                "output_projection_wrapper/embedding_wrapper/input_projection_wrapper/kernel",
                "output_projection_wrapper/embedding_wrapper/input_projection_wrapper/bias",
                "output_projection_wrapper/embedding_wrapper/input_projection_wrapper/basic_lstm_cell/kernel",
                "output_projection_wrapper/embedding_wrapper/input_projection_wrapper/basic_lstm_cell/bias",
                "output_projection_wrapper/kernel", "output_projection_wrapper/bias"}));
  EXPECT_EQ(ps.get("output_projection_wrapper/embedding_wrapper/input_projection_wrapper/basic_lstm_cell/kernel").shape(),
            (Shape{5 + kN, 4 * kN}));
  // Embedding default initialiser: U(−√3, √3), not glorot.
  double max_abs = 0;
  for (double v : ps.get("output_projection_wrapper/embedding_wrapper/embedding").value().to_vector<double>())
    max_abs = std::max(max_abs, std::fabs(v));
  EXPECT_LE(max_abs, std::sqrt(3.0));
  EXPECT_GT(max_abs, std::sqrt(6.0 / 10.0));  // 21 draws: some exceed the glorot limit
}

TEST(Cells, EmbeddingWrapperUsesScopeInitializer) {
  ag::ParamStore ps(1, DType::F64);
  EmbeddingWrapper cell(std::make_shared<GRUCell>(2), 5, 3);
  ag::VariableScope scope(ps, "s", std::nullopt, ag::Initializer::constant(0.25));
  cell(ps, ag::constant(ids_tensor({1, 2})), cell.zero_state(2, DType::F64));
  for (double v : ps.get("s/embedding_wrapper/embedding").value().to_vector<double>()) EXPECT_EQ(v, 0.25);
  // Biases with explicit constant initialisers keep them.
  for (double v : ps.get("s/embedding_wrapper/gru_cell/gates/bias").value().to_vector<double>()) EXPECT_EQ(v, 1.0);
}

// ---- gradient checks ----
void grad_check_cell(const CellPtr& cell, const Var& x, const State& s, std::vector<Var> inputs, double tol = 1e-7) {
  ag::ParamStore ps(1, DType::F64);
  auto report = check_gradients(ps, inputs, [&] {
    CellOutput out = (*cell)(ps, x, s);
    std::vector<Var> outs = {out.output};
    for (const Var& v : out.state.flatten()) outs.push_back(v);
    return outs;
  });
  S2S_EXPECT_GRADIENTS(report, tol);
}

TEST(CellGradients, BasicRNN) {
  Var x = random_var({kB, kIn}, 1), h = random_var({kB, kN}, 2);
  grad_check_cell(std::make_shared<BasicRNNCell>(kN), x, State(h), {x, h});
}
TEST(CellGradients, GRU) {
  Var x = random_var({kB, kIn}, 1), h = random_var({kB, kN}, 2);
  grad_check_cell(std::make_shared<GRUCell>(kN), x, State(h), {x, h});
}
TEST(CellGradients, BasicLSTMTupleAndConcat) {
  Var x = random_var({kB, kIn}, 1), c = random_var({kB, kN}, 2), h = random_var({kB, kN}, 3);
  grad_check_cell(std::make_shared<BasicLSTMCell>(kN), x, State::lstm(c, h), {x, c, h});
  BasicLSTMCellOptions o;
  o.state_is_tuple = false;
  o.forget_bias = 0.3;
  Var ch = random_var({kB, 2 * kN}, 4);
  grad_check_cell(std::make_shared<BasicLSTMCell>(kN, o), x, State(ch), {x, ch});
}
TEST(CellGradients, LSTMPeepholesClipsProjection) {
  LSTMCellOptions o;
  o.use_peepholes = true;
  o.cell_clip = 0.6;  // some entries clipped: zero gradient there on both sides
  o.num_proj = 3;
  o.proj_clip = 5.0;
  Var x = random_var({kB, kIn}, 1), c = random_var({kB, kN}, 2), m = random_var({kB, 3}, 3);
  grad_check_cell(std::make_shared<LSTMCell>(kN, o), x, State::lstm(c, m), {x, c, m});
}
TEST(CellGradients, MultiRNNTupleAndConcatenated) {
  Var x = random_var({kB, kIn}, 1);
  auto tuple_cell = std::make_shared<MultiRNNCell>(
      std::vector<CellPtr>{std::make_shared<GRUCell>(kN), std::make_shared<BasicLSTMCell>(3)});
  Var h0 = random_var({kB, kN}, 2), c1 = random_var({kB, 3}, 3), h1 = random_var({kB, 3}, 4);
  grad_check_cell(tuple_cell, x, State::tuple({State(h0), State::lstm(c1, h1)}), {x, h0, c1, h1});
  BasicLSTMCellOptions o;
  o.state_is_tuple = false;
  auto flat_cell = std::make_shared<MultiRNNCell>(
      std::vector<CellPtr>{std::make_shared<BasicRNNCell>(kN), std::make_shared<BasicLSTMCell>(2, o)}, false);
  Var s = random_var({kB, kN + 4}, 5);
  grad_check_cell(flat_cell, x, State(s), {x, s});
}
TEST(CellGradients, Wrappers) {
  Var ids = ag::constant(ids_tensor({2, 2}));  // a repeated id: scatter-add accumulates
  auto cell = std::make_shared<OutputProjectionWrapper>(
      std::make_shared<EmbeddingWrapper>(std::make_shared<InputProjectionWrapper>(std::make_shared<GRUCell>(kN), 3), 4, 2),
      5);
  Var h = random_var({kB, kN}, 2);
  grad_check_cell(cell, ids, State(h), {h});
}
TEST(CellGradients, DropoutWithFixedMasks) {
  DropoutOptions o;
  o.input_keep_prob = 0.7;
  o.output_keep_prob = 0.6;
  o.state_keep_prob = 0.8;
  o.seed = 5;
  auto drop = std::make_shared<DropoutWrapper>(std::make_shared<BasicLSTMCell>(kN), o);
  Var x = random_var({kB, kIn}, 1), c = random_var({kB, kN}, 2), h = random_var({kB, kN}, 3);
  ag::ParamStore ps(1, DType::F64);
  auto report = check_gradients(ps, {x, c, h}, [&] {
    drop->set_counter(0);  // the same masks on every evaluation
    CellOutput out = (*drop)(ps, x, State::lstm(c, h));
    return std::vector<Var>{out.output, out.state[0].leaf(), out.state[1].leaf()};
  });
  S2S_EXPECT_GRADIENTS(report, 1e-7);
}

}  // namespace
}  // namespace s2s::nn
