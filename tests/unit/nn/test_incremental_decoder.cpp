// Tests: the incremental decoder (incremental_decoder.h) is the full functions' computation step
// by step. Driven with the teacher-forced decoder inputs, every step's logits equal the outputs
// of embedding_attention_seq2seq / embedding_rnn_seq2seq (feed_previous = false) run in one go,
// bit for bit (float64), with the output projection applied where one is given: attention with
// two heads, a GRU+LSTM MultiRNNCell, initial_state_attention and the padding mask; attention with
// the tutorial's transposed projection; embedding_rnn_seq2seq with and without a projection.
// reorder_rows: decoding the rows swapped (same_sources = false, then true) swaps the outputs.
// The variables are created by the full function; the incremental calls only reuse them (a
// missing name would throw).
#include <gtest/gtest.h>

#include "grad_check.h"
#include "reference_math.h"
#include "s2s/nn/incremental_decoder.h"
#include "s2s/nn/nn.h"

namespace s2s::nn {
namespace {

using namespace s2s::nn::testing;

Ids ids(const std::vector<std::vector<std::int32_t>>& steps) {
  Ids out;
  for (const auto& s : steps) out.push_back(ids_tensor(s));
  return out;
}

std::vector<double> row(const Var& x, std::int64_t r) { return x.value()[r].to_vector<double>(); }

struct Case {
  std::string name;
  bool attention;
  bool projection;
  bool multi;
  bool initial_state_attention;
};

class IncrementalDecoder : public ::testing::TestWithParam<Case> {};

TEST_P(IncrementalDecoder, StepsEqualTheFullFunction) {
  const Case c = GetParam();
  constexpr std::int64_t Ve = 6, Vd = 7, E = 3;
  CellPtr cell = c.multi ? CellPtr(std::make_shared<MultiRNNCell>(
                               std::vector<CellPtr>{std::make_shared<GRUCell>(4), std::make_shared<BasicLSTMCell>(4)}))
                         : CellPtr(std::make_shared<GRUCell>(4));
  const Ids enc = ids({{0, 5}, {3, 1}, {2, 4}, {5, 5}});  // PAD (0) in row 0: the mask matters
  const Ids dec = ids({{1, 1}, {4, 6}, {2, 3}, {6, 0}});
  ag::ParamStore ps(7, DType::F64);
  std::optional<OutputProjection> projection;
  if (c.projection) {
    ag::VariableScope s(ps, "proj");
    projection = OutputProjection{ps.get_variable("proj_w", {Vd, 4}), ps.get_variable("proj_b", {Vd}), true};
  }
  RnnOutput full;
  IncrementalSeq2SeqOptions inc;
  inc.attention = c.attention;
  inc.num_heads = 2;
  inc.output_projection = projection;
  inc.initial_state_attention = c.initial_state_attention;
  inc.mask_padding = c.attention;
  if (c.attention) {
    EmbeddingAttentionSeq2SeqOptions o;
    o.num_heads = 2;
    o.output_projection = projection;
    o.initial_state_attention = c.initial_state_attention;
    o.mask_padding = true;
    full = embedding_attention_seq2seq(ps, enc, dec, cell, Ve, Vd, E, o);
  } else {
    EmbeddingRnnSeq2SeqOptions o;
    o.output_projection = projection;
    full = embedding_rnn_seq2seq(ps, enc, dec, cell, Ve, Vd, E, o);
  }
  std::vector<Var> want = full.outputs;
  if (projection)
    for (auto& w : want) w = projection->apply(w);
  const std::size_t before = ps.parameters().size();

  DecoderMemory m = incremental_encode(ps, enc, cell, Ve, E, inc);
  for (std::size_t t = 0; t < dec.size(); ++t) {
    const Var got = incremental_decode_step(ps, dec[t], m, cell, Vd, E, inc);
    ASSERT_EQ(got.shape(), want[t].shape());
    EXPECT_EQ(got.value().to_vector<double>(), want[t].value().to_vector<double>()) << "step " << t;
  }
  EXPECT_EQ(ps.parameters().size(), before) << "the incremental decoder created variables";

  // Rows swapped: at the start (the attention memory moves too), then twice more mid-way with
  // same_sources (a swap back and forth: each row keeps its source).
  DecoderMemory s = reorder_rows(incremental_encode(ps, enc, cell, Ve, E, inc), ids_tensor({1, 0}));
  for (std::size_t t = 0; t < dec.size(); ++t) {
    const std::vector<std::int32_t> d = dec[t].to_vector<std::int32_t>();
    if (t == 2) {
      s = reorder_rows(s, ids_tensor({0, 1}), /*same_sources=*/true);  // identity: still swapped
    }
    const Var got = incremental_decode_step(ps, ids_tensor({d[1], d[0]}), s, cell, Vd, E, inc);
    EXPECT_EQ(row(got, 0), row(want[t], 1)) << "step " << t;
    EXPECT_EQ(row(got, 1), row(want[t], 0)) << "step " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, IncrementalDecoder,
                         ::testing::Values(Case{"attention_multi_initial", true, false, true, true},
                                           Case{"attention_projection", true, true, false, false},
                                           Case{"rnn_projection", false, true, true, false},
                                           Case{"rnn_wrapped", false, false, false, false}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace s2s::nn
