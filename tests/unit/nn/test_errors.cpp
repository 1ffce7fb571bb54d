// Tests: every error condition of spec §1–§6 raises s2s::Error with TF's meaning and message.
#include <gtest/gtest.h>

#include "error_matchers.h"
#include "grad_check.h"
#include "s2s/nn/nn.h"

namespace s2s::nn {
namespace {

using namespace s2s::nn::testing;

Ids ids(int steps) {
  Ids out;
  for (int t = 0; t < steps; ++t) out.push_back(ids_tensor({1, 2}));
  return out;
}

TEST(Errors, Linear) {
  ag::ParamStore ps(1, DType::F64);
  EXPECT_S2S_ERROR(linear(ps, {}, 3), "`args` must be specified");
  EXPECT_S2S_ERROR(linear(ps, {random_var({2, 3, 1}, 1)}, 3), "linear is expecting 2D arguments: [[2, 3, 1]]");
  EXPECT_S2S_ERROR(linear(ps, {random_var({2, 3}, 1), random_var({2}, 2)}, 3), "linear is expecting 2D arguments");
}

TEST(Errors, StaticRnn) {
  ag::ParamStore ps(1, DType::F64);
  auto cell = std::make_shared<GRUCell>(2);
  StaticRnnOptions o;
  o.dtype = DType::F64;
  EXPECT_S2S_ERROR(static_rnn(ps, nullptr, {random_var({2, 3}, 1)}, o), "cell must be an instance of RNNCell");
  EXPECT_S2S_ERROR(static_rnn(ps, cell, {}, o), "inputs must not be empty");
  EXPECT_S2S_ERROR(static_rnn(ps, cell, {random_var({2, 3}, 1)}), "If no initial_state is provided, dtype must be specified");
  EXPECT_S2S_ERROR(static_rnn(ps, cell, {random_var({2, 3}, 1), random_var({2, 4}, 2)}, o), "input 1 has shape [2, 4]");
}

TEST(Errors, MultiRNNCell) {
  EXPECT_S2S_ERROR(MultiRNNCell({}), "Must specify at least one cell for MultiRNNCell.");
  EXPECT_S2S_ERROR(MultiRNNCell({std::make_shared<GRUCell>(2), std::make_shared<BasicLSTMCell>(2)}, false),
                   "Some cells return tuples of states, but the flag state_is_tuple is not set.");
  MultiRNNCell cell({std::make_shared<GRUCell>(2), std::make_shared<GRUCell>(2)});
  ag::ParamStore ps(1, DType::F64);
  EXPECT_S2S_ERROR(cell(ps, random_var({2, 3}, 1), State(random_var({2, 4}, 2))),
                   "Expected state to be a tuple of length 2, but received: [2, 4]");
}

TEST(Errors, Wrappers) {
  auto gru = std::make_shared<GRUCell>(2);
  EXPECT_S2S_ERROR(EmbeddingWrapper(nullptr, 3, 2), "The parameter cell is not RNNCell.");
  EXPECT_S2S_ERROR(EmbeddingWrapper(gru, 0, 2), "Both embedding_classes and embedding_size must be > 0: 0, 2.");
  EXPECT_S2S_ERROR(EmbeddingWrapper(gru, 3, -1), "Both embedding_classes and embedding_size must be > 0: 3, -1.");
  EXPECT_S2S_ERROR(OutputProjectionWrapper(nullptr, 3), "The parameter cell is not RNNCell.");
  EXPECT_S2S_ERROR(OutputProjectionWrapper(gru, 0), "Parameter output_size must be > 0: 0.");
  EXPECT_S2S_ERROR(InputProjectionWrapper(nullptr, 3), "The parameter cell is not RNNCell.");
  EXPECT_NO_THROW(InputProjectionWrapper(gru, 0));  // not validated, as TF
  DropoutOptions d;
  d.input_keep_prob = 1.5;
  EXPECT_S2S_ERROR(DropoutWrapper(gru, d), "Parameter input_keep_prob must be between 0 and 1: 1.5");
  d.input_keep_prob = 1.0;
  d.state_keep_prob = -0.1;
  EXPECT_S2S_ERROR(DropoutWrapper(gru, d), "Parameter state_keep_prob must be between 0 and 1");
  d.state_keep_prob = 1.0;
  d.variational_recurrent = true;
  EXPECT_S2S_ERROR(DropoutWrapper(gru, d), "When variational_recurrent=True, dtype must be provided");
  d.dtype = DType::F64;
  d.input_keep_prob = 0.5;
  EXPECT_S2S_ERROR(DropoutWrapper(gru, d),
                   "When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, input_size must be provided");
  d.input_size = 3;
  EXPECT_NO_THROW(DropoutWrapper(gru, d));
}

TEST(Errors, EmbeddingWrapperNeedsIds) {
  ag::ParamStore ps(1, DType::F64);
  EmbeddingWrapper cell(std::make_shared<GRUCell>(2), 3, 2);
  EXPECT_S2S_ERROR(cell(ps, random_var({2, 3}, 1), cell.zero_state(2, DType::F64)), "inputs must be int32 ids");
}

TEST(Errors, AttentionDecoder) {
  ag::ParamStore ps(1, DType::F64);
  auto cell = std::make_shared<GRUCell>(2);
  State s = cell->zero_state(2, DType::F64);
  Var attn = random_var({2, 3, 4}, 1);
  EXPECT_S2S_ERROR(attention_decoder(ps, {}, s, attn, cell), "Must provide at least 1 input to attention decoder.");
  AttentionDecoderOptions o;
  o.num_heads = 0;
  EXPECT_S2S_ERROR(attention_decoder(ps, {random_var({2, 3}, 2)}, s, attn, cell, o),
                   "With less than 1 heads, use a non-attention decoder.");
  EXPECT_S2S_ERROR(attention_decoder(ps, {random_var({2, 3}, 2)}, s, random_var({2, 12}, 3), cell),
                   "Shape[2] of attention_states must be known");
}

TEST(Errors, OutputProjectionShapeChecks) {
  ag::ParamStore ps(1, DType::F64);
  auto cell = std::make_shared<GRUCell>(2);
  State s = cell->zero_state(2, DType::F64);
  EmbeddingRnnDecoderOptions o;
  o.output_projection = OutputProjection{random_var({2, 5}, 1), random_var({6}, 2)};
  EXPECT_S2S_ERROR(embedding_rnn_decoder(ps, ids(2), s, cell, 6, 3, o), "Shapes [2, 5] and [?, 6] are incompatible");
  o.output_projection = OutputProjection{random_var({2, 6}, 1), random_var({5}, 2)};
  EXPECT_S2S_ERROR(embedding_rnn_decoder(ps, ids(2), s, cell, 6, 3, o), "Shapes [5] and [6] are incompatible");
  // embedding_attention_decoder checks only b (§4.8): a wrong W is accepted when it is never used.
  EmbeddingAttentionDecoderOptions a;
  a.output_projection = OutputProjection{random_var({2, 5}, 1), random_var({6}, 2)};
  EXPECT_NO_THROW(embedding_attention_decoder(ps, ids(2), s, random_var({2, 3, 4}, 3), cell, 6, 3, a));
  a.output_projection = OutputProjection{random_var({2, 6}, 1), random_var({7}, 2)};
  EXPECT_S2S_ERROR(embedding_attention_decoder(ps, ids(2), s, random_var({2, 3, 4}, 3), cell, 6, 3, a),
                   "Shapes [7] and [6] are incompatible");
  // embedding_tied_rnn_seq2seq checks against num_symbols even when num_decoder_symbols is set (§4.6).
  EmbeddingTiedRnnSeq2SeqOptions t;
  t.dtype = DType::F64;
  t.num_decoder_symbols = 4;
  t.output_projection = OutputProjection{random_var({2, 4}, 1), random_var({4}, 2)};
  EXPECT_S2S_ERROR(embedding_tied_rnn_seq2seq(ps, ids(2), ids(2), cell, 6, 3, t), "[?, 6] are incompatible");
}

TEST(Errors, EncoderCellOutputSizeMustMatch) {
  ag::ParamStore ps(1, DType::F64);
  EmbeddingAttentionSeq2SeqOptions o;
  o.dtype = DType::F64;
  o.encoder_cell = std::make_shared<GRUCell>(3);
  EXPECT_S2S_ERROR(embedding_attention_seq2seq(ps, ids(2), ids(2), std::make_shared<GRUCell>(2), 4, 4, 2, o),
                   "an encoder_cell must have the cell's output size");
}

TEST(Errors, One2Many) {
  ag::ParamStore ps(1, DType::F64);
  auto cell = std::make_shared<GRUCell>(2);
  std::map<std::string, Ids> dec = {{"a", ids(2)}};
  EXPECT_S2S_ERROR(one2many_rnn_seq2seq(ps, ids(2), dec, nullptr, {{"a", cell}}, 4, {{"a", 4}}, 2),
                   "enc_cell is not an RNNCell");
  EXPECT_S2S_ERROR(one2many_rnn_seq2seq(ps, ids(2), dec, cell, {{"b", cell}}, 4, {{"a", 4}}, 2),
                   "keys of dec_cells_dict != keys of decodre_inputs_dict");
  EXPECT_S2S_ERROR(one2many_rnn_seq2seq(ps, ids(2), dec, cell, {{"a", nullptr}}, 4, {{"a", 4}}, 2),
                   "dec_cell is not an RNNCell");
  EXPECT_S2S_ERROR(one2many_rnn_seq2seq(ps, ids(2), dec, cell, {{"a", cell}}, 4, {{"b", 4}}, 2), "KeyError: 'a'");
}

TEST(Errors, ModelWithBucketsChecksOnlyTheLastBucket) {
  ag::ParamStore ps(1, DType::F64);
  Seq2SeqFn never = [](const std::vector<Var>&, const std::vector<Var>&) -> RnnOutput { throw std::logic_error("called"); };
  std::vector<Var> enc(3), dec(1), w(4);
  std::vector<Tensor> t(4);
  const std::vector<Bucket> buckets = {{2, 2}, {4, 4}};
  EXPECT_S2S_ERROR(model_with_buckets(ps, enc, dec, t, w, buckets, never),
                   "Length of encoder_inputs (3) must be at least that of last bucket (4).");
  enc.resize(4);
  t.resize(3);
  EXPECT_S2S_ERROR(model_with_buckets(ps, enc, dec, t, w, buckets, never),
                   "Length of targets (3) must be at least that of lastbucket (4).");
  t.resize(4);
  w.resize(2);
  EXPECT_S2S_ERROR(model_with_buckets(ps, enc, dec, t, w, buckets, never),
                   "Length of weights (2) must be at least that of lastbucket (4).");
}

TEST(Errors, VariablesAreNotSilentlyShared) {
  ag::ParamStore ps(1, DType::F64);
  auto cell = std::make_shared<GRUCell>(2);
  EmbeddingRnnSeq2SeqOptions o;
  o.dtype = DType::F64;
  embedding_rnn_seq2seq(ps, ids(2), ids(2), cell, 4, 4, 2, o);
  EXPECT_S2S_ERROR(embedding_rnn_seq2seq(ps, ids(2), ids(2), cell, 4, 4, 2, o), "already exists");
  ag::VariableScope reuse(ps, "", ag::Reuse::Yes);
  EXPECT_NO_THROW(embedding_rnn_seq2seq(ps, ids(2), ids(2), cell, 4, 4, 2, o));
}

}  // namespace
}  // namespace s2s::nn
