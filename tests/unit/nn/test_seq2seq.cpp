// Tests: attention_decoder against a plain-loop reference (spec §4.7), float64 central-difference
// gradients of the attention decoder and of several of the 13 functions on tiny sizes, and the
// feed_previous semantics of §4.0 (loop inputs, the Tensor form's stop_gradient asymmetry).
#include <gtest/gtest.h>

#include <cmath>

#include "grad_check.h"
#include "reference_math.h"
#include "s2s/autograd/arith_ops.h"
#include "s2s/nn/nn.h"

namespace s2s::nn {
namespace {

using namespace s2s::nn::testing;

constexpr std::int64_t kB = 2;

Ids ids(const std::vector<std::vector<std::int32_t>>& steps) {
  Ids out;
  for (const auto& s : steps) out.push_back(ids_tensor(s));
  return out;
}

std::vector<Var> flat_outputs(const RnnOutput& r) {
  std::vector<Var> out = r.outputs;
  for (const auto& s : r.state.flatten()) out.push_back(s);
  return out;
}

// Plain-loop attention decoder with a BasicRNN cell, one head, per spec §4.7.
std::vector<Mat> reference_attention(ag::ParamStore& ps, const std::vector<Var>& inputs, const Var& h0, const Var& attn,
                                     std::int64_t n, std::int64_t out_size) {
  const std::string p = "attention_decoder/";
  const Mat Win = from_var(ps.get(p + "kernel")), bin = from_var(ps.get(p + "bias"));
  const Mat Wc = from_var(ps.get(p + "basic_rnn_cell/kernel")), bc = from_var(ps.get(p + "basic_rnn_cell/bias"));
  const Mat Wq = from_var(ps.get(p + "Attention_0/kernel")), bq = from_var(ps.get(p + "Attention_0/bias"));
  const Mat Wo = from_var(ps.get(p + "AttnOutputProjection/kernel")), bo = from_var(ps.get(p + "AttnOutputProjection/bias"));
  const auto W = ps.get(p + "AttnW_0").value().to_vector<double>();  // [1, 1, A, A]
  const auto v = ps.get(p + "AttnV_0").value().to_vector<double>();
  const auto H = attn.value().to_vector<double>();  // [B, L, A]
  const std::int64_t L = attn.dim(1), A = attn.dim(2);
  Mat h = from_var(h0), d(kB, A);  // zero attention reads at the start
  std::vector<Mat> outs;
  for (const auto& inp : inputs) {
    Mat x = add_row(matmul(hcat(from_var(inp), d), Win), bin);
    h = map(add_row(matmul(hcat(x, h), Wc), bc), [](double z) { return std::tanh(z); });
    Mat y = add_row(matmul(h, Wq), bq);
    for (std::int64_t b = 0; b < kB; ++b) {
      std::vector<double> e(static_cast<size_t>(L));
      for (std::int64_t j = 0; j < L; ++j) {
        double s = 0;
        for (std::int64_t a = 0; a < A; ++a) {
          double f = 0;  // F[b, j, a] = Σ_c H[b, j, c] W[c, a]
          for (std::int64_t c = 0; c < A; ++c) f += H[(b * L + j) * A + c] * W[c * A + a];
          s += v[a] * std::tanh(f + y(b, a));
        }
        e[j] = s;
      }
      double m = *std::max_element(e.begin(), e.end()), z = 0;
      for (double& ej : e) z += (ej = std::exp(ej - m));
      for (std::int64_t a = 0; a < A; ++a) {
        double acc = 0;
        for (std::int64_t j = 0; j < L; ++j) acc += e[j] / z * H[(b * L + j) * A + a];
        d(b, a) = acc;
      }
    }
    outs.push_back(add_row(matmul(hcat(h, d), Wo), bo));
  }
  (void)n;
  (void)out_size;
  return outs;
}

TEST(AttentionDecoder, MatchesPlainLoopReference) {
  ag::ParamStore ps(1, DType::F64);
  auto cell = std::make_shared<BasicRNNCell>(3);
  std::vector<Var> inputs = {random_var({kB, 2}, 1), random_var({kB, 2}, 2), random_var({kB, 2}, 3)};
  Var h0 = random_var({kB, 3}, 4), attn = random_var({kB, 4, 5}, 5);
  AttentionDecoderOptions o;
  o.output_size = 6;
  attention_decoder(ps, inputs, State(h0), attn, cell, o);
  randomize_params(ps);
  ag::VariableScope reuse(ps, "", ag::Reuse::Yes);
  RnnOutput out = attention_decoder(ps, inputs, State(h0), attn, cell, o);
  auto ref = reference_attention(ps, inputs, h0, attn, 3, 6);
  ASSERT_EQ(out.outputs.size(), 3u);
  for (size_t t = 0; t < 3; ++t) expect_near(ref[t], out.outputs[t], 1e-12, "attention output");
}

// s2s extension (§11.6): masked positions are excluded from the softmax; an all-ones mask is a no-op.
TEST(AttentionDecoder, PaddingMaskExcludesPositions) {
  auto cell = std::make_shared<GRUCell>(3);
  std::vector<Var> inputs = {random_var({kB, 2}, 1), random_var({kB, 2}, 2)};
  Var h0 = random_var({kB, 3}, 4);
  Tensor h1 = random_tensor({kB, 4, 5}, 5), h2 = h1.clone();
  for (int a = 0; a < 5; ++a) h2.data<double>()[(0 * 4 + 1) * 5 + a] = 9.0;  // example 0, position 1
  auto run = [&](const Tensor& attn, std::optional<Tensor> mask) {
    ag::ParamStore ps(3, DType::F64);
    AttentionDecoderOptions o;
    o.num_heads = 2;
    o.attention_mask = mask;
    std::vector<double> v;
    for (const auto& x : attention_decoder(ps, inputs, State(h0), Var(attn), cell, o).outputs)
      for (double d : x.value().to_vector<double>()) v.push_back(d);
    return v;
  };
  Tensor mask = Tensor::from_vector<double>({kB, 4}, {1, 0, 1, 1, 1, 1, 1, 1});
  EXPECT_EQ(run(h1, mask), run(h2, mask)) << "a masked position does not influence the outputs";
  EXPECT_NE(run(h1, std::nullopt), run(h2, std::nullopt)) << "unmasked (TF), it does";
  EXPECT_EQ(run(h1, Tensor::full({kB, 4}, DType::F64, 1.0)), run(h1, std::nullopt));
  // embedding_attention_seq2seq's mask_padding masks the PAD ids of the encoder inputs.
  auto seq = [&](bool mask_padding) {
    ag::ParamStore ps(3, DType::F64);
    EmbeddingAttentionSeq2SeqOptions o;
    o.dtype = DType::F64;
    o.mask_padding = mask_padding;
    return embedding_attention_seq2seq(ps, ids({{0, 0}, {0, 3}, {2, 1}}), ids({{1, 1}}), cell, 4, 5, 2, o)
        .outputs[0].value().to_vector<double>();
  };
  EXPECT_NE(seq(true), seq(false));
}

TEST(AttentionDecoder, GradientsWithHeadsLoopAndInitialStateAttention) {
  auto cell = std::make_shared<MultiRNNCell>(std::vector<CellPtr>{std::make_shared<GRUCell>(3), std::make_shared<BasicLSTMCell>(2)});
  std::vector<Var> inputs = {random_var({kB, 4}, 1), random_var({kB, 4}, 2), random_var({kB, 4}, 3)};
  Var h = random_var({kB, 3}, 4), c = random_var({kB, 2}, 5), m = random_var({kB, 2}, 6), attn = random_var({kB, 3, 2}, 7);
  State s = State::tuple({State(h), State::lstm(c, m)});
  AttentionDecoderOptions o;
  o.num_heads = 2;
  o.output_size = 4;  // = input size, so the identity loop function fits
  o.initial_state_attention = true;
  o.loop_function = [](const Var& prev, std::int64_t) { return prev; };
  ag::ParamStore ps(1, DType::F64);
  auto report = check_gradients(ps, {inputs[0], inputs[1], h, c, m, attn},
                                [&] { return flat_outputs(attention_decoder(ps, inputs, s, attn, cell, o)); });
  S2S_EXPECT_GRADIENTS(report, 1e-7);
}

TEST(Seq2SeqGradients, EmbeddingAttentionSeq2Seq) {
  auto cell = std::make_shared<MultiRNNCell>(
      std::vector<CellPtr>{std::make_shared<BasicLSTMCell>(3), std::make_shared<BasicLSTMCell>(3)});
  EmbeddingAttentionSeq2SeqOptions o;
  o.num_heads = 2;
  o.dtype = DType::F64;
  Ids enc = ids({{1, 2}, {3, 3}, {0, 4}}), dec = ids({{0, 0}, {2, 5}});
  ag::ParamStore ps(1, DType::F64);
  auto report = check_gradients(ps, {}, [&] { return flat_outputs(embedding_attention_seq2seq(ps, enc, dec, cell, 5, 6, 2, o)); });
  S2S_EXPECT_GRADIENTS(report, 1e-7);
}

TEST(Seq2SeqGradients, TiedAndBasicSeq2Seq) {
  auto cell = std::make_shared<OutputProjectionWrapper>(std::make_shared<GRUCell>(3), 2);
  std::vector<Var> enc = {random_var({kB, 2}, 1), random_var({kB, 2}, 2)}, dec = {random_var({kB, 2}, 3), random_var({kB, 2}, 4)};
  std::vector<Var> all = {enc[0], enc[1], dec[0], dec[1]};
  TiedRnnSeq2SeqOptions t;
  t.dtype = DType::F64;
  t.loop_function = [](const Var& prev, std::int64_t) { return prev; };
  ag::ParamStore ps(1, DType::F64);
  S2S_EXPECT_GRADIENTS(check_gradients(ps, all, [&] { return flat_outputs(tied_rnn_seq2seq(ps, enc, dec, cell, t)); }), 1e-7);
  BasicRnnSeq2SeqOptions b;
  b.dtype = DType::F64;
  ag::ParamStore ps2(1, DType::F64);
  S2S_EXPECT_GRADIENTS(check_gradients(ps2, all, [&] { return flat_outputs(basic_rnn_seq2seq(ps2, enc, dec, cell, b)); }), 1e-7);
}

TEST(Seq2SeqGradients, One2ManyAndEmbeddingTied) {
  One2ManyOptions o;
  o.dtype = DType::F64;
  std::map<std::string, Ids> dec = {{"a", ids({{0, 1}, {2, 3}})}, {"b", ids({{1, 1}})}};
  ag::ParamStore ps(1, DType::F64);
  auto report = check_gradients(ps, {}, [&] {
    CellPtr cell = std::make_shared<GRUCell>(2);
    One2ManyOutput out = one2many_rnn_seq2seq(ps, ids({{1, 2}, {0, 3}}), dec, cell, 4, {{"a", 4}, {"b", 3}}, 2, o);
    std::vector<Var> v;
    for (const auto& [name, outs] : out.outputs) v.insert(v.end(), outs.begin(), outs.end());
    return v;
  });
  S2S_EXPECT_GRADIENTS(report, 1e-7);
  EmbeddingTiedRnnSeq2SeqOptions t;
  t.dtype = DType::F64;
  t.num_decoder_symbols = 5;
  ag::ParamStore ps2(1, DType::F64);
  S2S_EXPECT_GRADIENTS(check_gradients(ps2, {}, [&] {
                         return flat_outputs(embedding_tied_rnn_seq2seq(ps2, ids({{1, 2}, {0, 3}}), ids({{0, 0}, {1, 4}}),
                                                                        std::make_shared<BasicLSTMCell>(2), 5, 2, t));
                       }),
                       1e-7);
}

TEST(Seq2SeqGradients, ModelWithBucketsAndSampledLoss) {
  auto cell = std::make_shared<GRUCell>(3);
  const std::int64_t V = 6;
  Var w = random_var({3, V}, 40), b = random_var({V}, 41);  // caller's projection
  std::vector<Var> weights = {random_var({kB}, 50), random_var({kB}, 51), random_var({kB}, 52)};
  std::vector<Tensor> targets = {ids_tensor({1, 4}), ids_tensor({5, 0}), ids_tensor({2, 2})};
  auto enc = ids_as_vars(ids({{1, 2}, {3, 4}, {0, 1}})), dec = ids_as_vars(ids({{0, 0}, {1, 4}, {5, 0}, {2, 2}}));
  SampledValues sv;
  sv.sampled_candidates = ids_tensor({0, 4, 3});
  sv.true_expected_count = Tensor::from_vector<double>({kB, 1}, {0.4, 0.7});
  sv.sampled_expected_count = Tensor::from_vector<double>({3}, {0.9, 0.3, 0.2});
  ag::ParamStore ps(1, DType::F64);
  auto report = check_gradients(ps, {w, b, weights[0], weights[1], weights[2]}, [&] {
    Seq2SeqFn fn = [&](const std::vector<Var>& e, const std::vector<Var>& d) {
      EmbeddingAttentionSeq2SeqOptions o;
      o.dtype = DType::F64;
      o.output_projection = OutputProjection{w, b};
      Ids ei, di;
      for (const auto& x : e) ei.push_back(x.value());
      for (const auto& x : d) di.push_back(x.value());
      return embedding_attention_seq2seq(ps, ei, di, cell, 5, V, 2, o);
    };
    ModelWithBucketsOptions mo;
    mo.softmax_loss_function = make_sampled_softmax_loss(ag::transpose(w), b, 3, V, nullptr,
                                                         [&](const Tensor&) { return sv; });
    BucketsOutput out = model_with_buckets(ps, enc, dec, targets, weights, {{2, 2}, {3, 3}}, fn, mo);
    return out.losses;
  }, /*randomize=*/true);
  S2S_EXPECT_GRADIENTS(report, 1e-7);
}

// §4.0: steps >= 1 of a feed_previous decoder ignore decoder_inputs[i]; the Tensor form stops the
// gradient into the embeddings of generated symbols, the bool form does not; outputs agree.
TEST(FeedPrevious, LoopInputsAndTensorFormStopGradient) {
  auto cell = std::make_shared<GRUCell>(3);
  const std::int64_t Vd = 6;
  Ids enc = ids({{1, 2}, {3, 4}});
  Ids dec_a = ids({{0, 0}, {1, 1}, {2, 2}}), dec_b = ids({{0, 0}, {5, 4}, {3, 1}});
  auto run = [&](FeedPrevious fp, const Ids& dec, ag::Tape* tape) {
    ag::ParamStore ps(7, DType::F64);
    EmbeddingRnnSeq2SeqOptions o;
    o.dtype = DType::F64;
    o.feed_previous = fp;
    ag::TapeScope scope(tape);
    RnnOutput out = embedding_rnn_seq2seq(ps, enc, dec, cell, 5, Vd, 2, o);
    if (tape) {
      Var j;
      for (const auto& x : out.outputs) {
        Var s = ag::sum(x);
        j = j.defined() ? ag::add(j, s) : s;
      }
      tape->backward(j);
    }
    std::vector<double> values;
    for (const auto& x : out.outputs)
      for (double v : x.value().to_vector<double>()) values.push_back(v);
    Var emb = ps.get("embedding_rnn_seq2seq/embedding_rnn_decoder/embedding");
    std::vector<double> grad = emb.has_grad() ? emb.grad().to_vector<double>() : std::vector<double>(Vd * 2, 0.0);
    return std::make_pair(values, grad);
  };
  ag::Tape t1, t2, t3;
  auto as_bool = run(FeedPrevious(true), dec_a, &t1);
  auto as_tensor = run(FeedPrevious::tensor(true), dec_a, &t2);
  auto other_inputs = run(FeedPrevious(true), dec_b, &t3);
  EXPECT_EQ(as_bool.first, as_tensor.first);     // same forward
  EXPECT_EQ(as_bool.first, other_inputs.first);  // decoder_inputs[1:] unused
  auto row_norm = [](const std::vector<double>& g, int row) { return std::fabs(g[row * 2]) + std::fabs(g[row * 2 + 1]); };
  double bool_other = 0, tensor_other = 0;
  for (int r = 1; r < Vd; ++r) {  // row 0 is the GO id of decoder_inputs[0]
    bool_other += row_norm(as_bool.second, r);
    tensor_other += row_norm(as_tensor.second, r);
  }
  EXPECT_GT(bool_other, 0.0) << "the bool form trains the embeddings of generated symbols";
  EXPECT_EQ(tensor_other, 0.0) << "the Tensor form stops their gradient";
  EXPECT_GT(row_norm(as_tensor.second, 0), 0.0);
  // Teacher forcing (feed_previous False) does depend on decoder_inputs[1:].
  ag::Tape t4, t5;
  EXPECT_NE(run(FeedPrevious(false), dec_a, &t4).first, run(FeedPrevious(false), dec_b, &t5).first);
}

}  // namespace
}  // namespace s2s::nn
