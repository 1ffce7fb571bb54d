// Tests: the parameter names (and, for §12's worked example, the shapes) every function creates,
// written by hand from the templates of spec §12/§13.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "grad_check.h"
#include "s2s/nn/nn.h"

namespace s2s::nn {
namespace {

using namespace s2s::nn::testing;

constexpr std::int64_t kB = 2;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}
std::vector<std::string> names_of(const ag::ParamStore& ps) { return sorted(ps.names()); }

std::vector<std::string> with_prefix(const std::string& p, const std::vector<std::string>& tails) {
  std::vector<std::string> out;
  for (const auto& t : tails) out.push_back(p + t);
  return out;
}
std::vector<std::string> join(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return sorted(out);
}
const std::vector<std::string> kGru = {"gru_cell/gates/kernel", "gru_cell/gates/bias", "gru_cell/candidate/kernel",
                                       "gru_cell/candidate/bias"};

std::vector<Var> floats(int steps, std::int64_t width, std::uint64_t stream) {
  std::vector<Var> out;
  for (int t = 0; t < steps; ++t) out.push_back(random_var({kB, width}, stream + t, false));
  return out;
}
Ids ids(int steps, std::int32_t vocab) {
  Ids out;
  for (int t = 0; t < steps; ++t) out.push_back(ids_tensor({t % vocab, (t + 1) % vocab}));
  return out;
}

TEST(Names, StaticRnnAndRnnDecoder) {
  ag::ParamStore ps(1, DType::F64);
  auto gru = std::make_shared<GRUCell>(3);
  StaticRnnOptions o;
  o.dtype = DType::F64;
  static_rnn(ps, gru, floats(3, 2, 1), o);
  auto lstm = std::make_shared<BasicLSTMCell>(3);
  rnn_decoder(ps, floats(2, 2, 5), lstm->zero_state(kB, DType::F64), lstm);
  EXPECT_EQ(names_of(ps), join({with_prefix("rnn/", kGru), {"rnn_decoder/basic_lstm_cell/kernel", "rnn_decoder/basic_lstm_cell/bias"}}));
}

TEST(Names, BasicAndTiedSeq2Seq) {
  ag::ParamStore ps(1, DType::F64);
  BasicRnnSeq2SeqOptions bo;
  bo.dtype = DType::F64;
  basic_rnn_seq2seq(ps, floats(3, 2, 1), floats(2, 2, 9), std::make_shared<GRUCell>(3), bo);
  TiedRnnSeq2SeqOptions to;
  to.dtype = DType::F64;
  tied_rnn_seq2seq(ps, floats(3, 2, 1), floats(2, 2, 9), std::make_shared<BasicRNNCell>(3), to);
  EXPECT_EQ(names_of(ps), join({with_prefix("basic_rnn_seq2seq/rnn/", kGru), with_prefix("basic_rnn_seq2seq/rnn_decoder/", kGru),
                                {"combined_tied_rnn_seq2seq/tied_rnn_seq2seq/basic_rnn_cell/kernel",
                                 "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/basic_rnn_cell/bias"}}));
}

TEST(Names, EmbeddingRnnFunctions) {
  ag::ParamStore ps(1, DType::F64);
  auto gru = std::make_shared<GRUCell>(3);
  embedding_rnn_decoder(ps, ids(2, 5), gru->zero_state(kB, DType::F64), gru, 5, 2);
  EmbeddingRnnSeq2SeqOptions so;
  so.dtype = DType::F64;
  embedding_rnn_seq2seq(ps, ids(3, 4), ids(2, 6), gru, 4, 6, 2, so);
  EmbeddingTiedRnnSeq2SeqOptions to;
  to.dtype = DType::F64;
  to.num_decoder_symbols = 7;
  embedding_tied_rnn_seq2seq(ps, ids(3, 5), ids(2, 5), gru, 5, 2, to);
  const std::string s = "embedding_rnn_seq2seq/", t = "embedding_tied_rnn_seq2seq/";
  const std::string dec = s + "embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/";
  const std::string tied = t + "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/output_projection_wrapper/";
  EXPECT_EQ(names_of(ps),
            join({{"embedding_rnn_decoder/embedding"}, with_prefix("embedding_rnn_decoder/rnn_decoder/", kGru),
                  {s + "rnn/embedding_wrapper/embedding", s + "embedding_rnn_decoder/embedding"},
                  with_prefix(s + "rnn/embedding_wrapper/", kGru), with_prefix(dec, kGru), {dec + "kernel", dec + "bias"},
                  {t + "embedding"}, with_prefix(tied, kGru), {tied + "kernel", tied + "bias"}}));
  EXPECT_EQ(ps.get(s + "rnn/embedding_wrapper/embedding").shape(), (Shape{4, 2}));
  EXPECT_EQ(ps.get(s + "embedding_rnn_decoder/embedding").shape(), (Shape{6, 2}));
  EXPECT_EQ(ps.get(dec + "kernel").shape(), (Shape{3, 6}));
  EXPECT_EQ(ps.get(tied + "kernel").shape(), (Shape{3, 7}));  // num_decoder_symbols
}

TEST(Names, AttentionDecoders) {
  ag::ParamStore ps(1, DType::F64);
  auto gru = std::make_shared<GRUCell>(3);
  Var attn = random_var({kB, 4, 5}, 3, false);
  AttentionDecoderOptions o;
  o.num_heads = 2;
  attention_decoder(ps, floats(2, 2, 1), gru->zero_state(kB, DType::F64), attn, gru, o);
  embedding_attention_decoder(ps, ids(2, 6), gru->zero_state(kB, DType::F64), attn, gru, 6, 2);
  const std::vector<std::string> two_heads = {"AttnW_0", "AttnV_0", "AttnW_1", "AttnV_1", "kernel", "bias",
                                              "Attention_0/kernel", "Attention_0/bias", "Attention_1/kernel",
                                              "Attention_1/bias", "AttnOutputProjection/kernel",
                                              "AttnOutputProjection/bias"};
  const std::vector<std::string> one_head = {"AttnW_0", "AttnV_0", "kernel", "bias", "Attention_0/kernel", "Attention_0/bias",
                                             "AttnOutputProjection/kernel", "AttnOutputProjection/bias"};
  const std::string e = "embedding_attention_decoder/attention_decoder/";
  EXPECT_EQ(names_of(ps), join({with_prefix("attention_decoder/", two_heads), with_prefix("attention_decoder/", kGru),
                                {"embedding_attention_decoder/embedding"}, with_prefix(e, one_head), with_prefix(e, kGru)}));
  EXPECT_EQ(ps.get("attention_decoder/AttnW_1").shape(), (Shape{1, 1, 5, 5}));
  EXPECT_EQ(ps.get("attention_decoder/kernel").shape(), (Shape{2 + 2 * 5, 2}));   // [in + K·A, in]
  EXPECT_EQ(ps.get("attention_decoder/Attention_0/kernel").shape(), (Shape{3, 5}));  // [Q, A]
  EXPECT_EQ(ps.get("attention_decoder/AttnOutputProjection/kernel").shape(), (Shape{3 + 2 * 5, 3}));
}

// The worked example of spec §12: 2-layer GRU, num_heads = 1, caller-owned output projection.
TEST(Names, EmbeddingAttentionSeq2SeqSection12Example) {
  const std::int64_t Ve = 7, Vd = 9, E = 4, n = 3, A = n;
  ag::ParamStore ps(1, DType::F64);
  auto cell = std::make_shared<MultiRNNCell>(std::vector<CellPtr>{std::make_shared<GRUCell>(n), std::make_shared<GRUCell>(n)});
  Var w = random_var({n, Vd}, 1), b = random_var({Vd}, 2);
  EmbeddingAttentionSeq2SeqOptions o;
  o.output_projection = OutputProjection{w, b};
  o.dtype = DType::F64;
  embedding_attention_seq2seq(ps, ids(3, Ve), ids(2, Vd), cell, Ve, Vd, E, o);
  const std::string r = "embedding_attention_seq2seq/";
  const std::string enc = r + "rnn/embedding_wrapper/multi_rnn_cell/";
  const std::string ad = r + "embedding_attention_decoder/attention_decoder/";
  std::map<std::string, Shape> expected = {
      {r + "rnn/embedding_wrapper/embedding", {Ve, E}},
      {enc + "cell_0/gru_cell/gates/kernel", {E + n, 2 * n}},
      {enc + "cell_0/gru_cell/gates/bias", {2 * n}},
      {enc + "cell_0/gru_cell/candidate/kernel", {E + n, n}},
      {enc + "cell_0/gru_cell/candidate/bias", {n}},
      {enc + "cell_1/gru_cell/gates/kernel", {n + n, 2 * n}},
      {enc + "cell_1/gru_cell/gates/bias", {2 * n}},
      {enc + "cell_1/gru_cell/candidate/kernel", {n + n, n}},
      {enc + "cell_1/gru_cell/candidate/bias", {n}},
      {r + "embedding_attention_decoder/embedding", {Vd, E}},
      {ad + "AttnW_0", {1, 1, A, A}},
      {ad + "AttnV_0", {A}},
      {ad + "kernel", {E + A, E}},
      {ad + "bias", {E}},
      {ad + "multi_rnn_cell/cell_0/gru_cell/gates/kernel", {E + n, 2 * n}},
      {ad + "multi_rnn_cell/cell_0/gru_cell/gates/bias", {2 * n}},
      {ad + "multi_rnn_cell/cell_0/gru_cell/candidate/kernel", {E + n, n}},
      {ad + "multi_rnn_cell/cell_0/gru_cell/candidate/bias", {n}},
      {ad + "multi_rnn_cell/cell_1/gru_cell/gates/kernel", {2 * n, 2 * n}},
      {ad + "multi_rnn_cell/cell_1/gru_cell/gates/bias", {2 * n}},
      {ad + "multi_rnn_cell/cell_1/gru_cell/candidate/kernel", {2 * n, n}},
      {ad + "multi_rnn_cell/cell_1/gru_cell/candidate/bias", {n}},
      {ad + "Attention_0/kernel", {2 * n, A}},  // Q = both layers' states
      {ad + "Attention_0/bias", {A}},
      {ad + "AttnOutputProjection/kernel", {n + A, n}},
      {ad + "AttnOutputProjection/bias", {n}},
  };
  std::vector<std::string> want;
  for (const auto& [name, shape] : expected) {
    want.push_back(name);
    ASSERT_TRUE(ps.contains(name)) << name;
    EXPECT_EQ(ps.get(name).shape(), shape) << name;
  }
  EXPECT_EQ(names_of(ps), sorted(want));
}

TEST(Names, EmbeddingAttentionSeq2SeqWrapsWithoutProjection) {
  ag::ParamStore ps(1, DType::F64);
  EmbeddingAttentionSeq2SeqOptions o;
  o.dtype = DType::F64;
  embedding_attention_seq2seq(ps, ids(2, 5), ids(2, 6), std::make_shared<BasicLSTMCell>(3), 5, 6, 2, o);
  const std::string w = "embedding_attention_seq2seq/embedding_attention_decoder/attention_decoder/output_projection_wrapper/";
  EXPECT_TRUE(ps.contains(w + "basic_lstm_cell/kernel"));
  EXPECT_EQ(ps.get(w + "kernel").shape(), (Shape{3, 6}));
  EXPECT_EQ(ps.get(w + "bias").shape(), (Shape{6}));
  // AttnOutputProjection maps (Vd + K·A) -> Vd (§4.9).
  EXPECT_EQ(ps.get("embedding_attention_seq2seq/embedding_attention_decoder/attention_decoder/AttnOutputProjection/kernel").shape(),
            (Shape{6 + 3, 6}));
  EXPECT_TRUE(ps.contains("embedding_attention_seq2seq/rnn/embedding_wrapper/basic_lstm_cell/kernel"));
  EXPECT_EQ(ps.size(), 16u);  // encoder 3 + decoder embedding 1 + attention 8 + wrapped cell 4
}

TEST(Names, One2Many) {
  ag::ParamStore ps(1, DType::F64);
  One2ManyOptions o;
  o.dtype = DType::F64;
  std::map<std::string, Ids> dec = {{"de", ids(2, 4)}, {"fr", ids(3, 6)}};
  std::map<std::string, CellPtr> cells = {{"de", std::make_shared<GRUCell>(3)}, {"fr", std::make_shared<GRUCell>(3)}};
  one2many_rnn_seq2seq(ps, ids(3, 5), dec, std::make_shared<GRUCell>(3), cells, 5, {{"de", 4}, {"fr", 6}}, 2, o);
  const std::string r = "one2many_rnn_seq2seq/";
  auto decoder = [&](const std::string& name) {
    const std::string p = r + "one2many_decoder_" + name + "/embedding_rnn_decoder/";
    return join({{p + "embedding", p + "rnn_decoder/output_projection_wrapper/kernel", p + "rnn_decoder/output_projection_wrapper/bias"},
                 with_prefix(p + "rnn_decoder/output_projection_wrapper/", kGru)});
  };
  EXPECT_EQ(names_of(ps), join({{r + "rnn/embedding_wrapper/embedding"}, with_prefix(r + "rnn/embedding_wrapper/", kGru),
                                decoder("de"), decoder("fr")}));
  EXPECT_EQ(ps.get(r + "one2many_decoder_fr/embedding_rnn_decoder/embedding").shape(), (Shape{6, 2}));
}

TEST(Names, ModelWithBucketsSharesEveryVariable) {
  ag::ParamStore single(1, DType::F64), buckets(1, DType::F64);
  auto cell = std::make_shared<GRUCell>(3);
  auto make_fn = [&](ag::ParamStore& ps) {
    return [&ps, cell](const std::vector<Var>& enc, const std::vector<Var>& dec) {
      EmbeddingAttentionSeq2SeqOptions o;
      o.dtype = DType::F64;
      Ids e, d;
      for (const auto& v : enc) e.push_back(v.value());
      for (const auto& v : dec) d.push_back(v.value());
      return embedding_attention_seq2seq(ps, e, d, cell, 5, 6, 2, o);
    };
  };
  std::vector<Tensor> targets;
  std::vector<Var> weights;
  for (int t = 0; t < 4; ++t) {
    targets.push_back(ids_tensor({1, 2}));
    weights.push_back(Var(Tensor::full({kB}, DType::F64, 1.0)));
  }
  auto enc = ids_as_vars(ids(4, 5)), dec = ids_as_vars(ids(5, 6));
  model_with_buckets(single, enc, dec, targets, weights, {{4, 4}}, make_fn(single));
  BucketsOutput out = model_with_buckets(buckets, enc, dec, targets, weights, {{2, 2}, {3, 3}, {4, 4}}, make_fn(buckets));
  EXPECT_EQ(names_of(buckets), names_of(single));
  ASSERT_EQ(out.outputs.size(), 3u);
  EXPECT_EQ(out.outputs[1].size(), 3u);
  // Bucket (4, 4) of the 3-bucket model is the 1-bucket model: same parameters (same seed and names).
  BucketsOutput one = model_with_buckets(single, enc, dec, targets, weights, {{4, 4}}, [&](const auto& e, const auto& d) {
    ag::VariableScope reuse(single, "", ag::Reuse::Yes);
    return make_fn(single)(e, d);
  });
  EXPECT_EQ(one.losses[0].value().item(), out.losses[2].value().item());
}

}  // namespace
}  // namespace s2s::nn
