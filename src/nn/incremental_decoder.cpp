// Owns: step-at-a-time seq2seq decoding (see incremental_decoder.h).
#include "s2s/nn/incremental_decoder.h"

#include "attention_step.h"
#include "s2s/autograd/ops.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/nn/projection_wrappers.h"
#include "seq2seq_encoders.h"
#include "var_helpers.h"

namespace s2s::nn {
namespace {

// The scope names of the full functions (embedding_attention_seq2seq.h, embedding_seq2seq.h,
// attention_decoder.h, rnn_seq2seq.h defaults).
constexpr const char* kAttentionSeq2Seq = "embedding_attention_seq2seq";
constexpr const char* kAttentionDecoder = "embedding_attention_decoder";
constexpr const char* kAttentionLoop = "attention_decoder";
constexpr const char* kRnnSeq2Seq = "embedding_rnn_seq2seq";
constexpr const char* kRnnDecoder = "embedding_rnn_decoder";
constexpr const char* kRnnLoop = "rnn_decoder";

detail::AttentionHeads heads_of(const DecoderMemory& m) {
  detail::AttentionHeads h;
  h.hidden = m.hidden;
  h.mask_bias = m.mask_bias;
  h.features = m.features;
  h.v = m.v;
  h.batch = m.hidden.dim(0);
  h.length = m.hidden.dim(1);
  h.size = m.hidden.dim(2);
  return h;
}

// Row r of the result = row rows[r] of x (any rank, rows along dim 0). Off the tape.
Var gather_rows(const Var& x, const Tensor& rows) {
  if (!x.defined()) return x;
  const Tensor& v = x.value();
  const std::int64_t r = v.dim(0), width = r == 0 ? 0 : v.numel() / r;
  Shape shape = v.shape();
  shape[0] = rows.numel();
  Tensor out = Tensor::empty({rows.numel(), width}, v.dtype(), v.device());
  kern::embedding_gather(out, v.reshape({r, width}), rows);
  return ag::constant(out.reshape(shape));
}

}  // namespace

std::int64_t DecoderMemory::rows() const { return state.flatten().front().dim(0); }

DecoderMemory incremental_encode(ParamStore& ps, const Ids& encoder_inputs, const CellPtr& cell,
                                 std::int64_t num_encoder_symbols, std::int64_t embedding_size,
                                 const IncrementalSeq2SeqOptions& options) {
  S2S_CHECK(cell != nullptr, "incremental_encode: cell must be an RNNCell");
  ag::VariableScope reuse(ps, "", ag::Reuse::Yes);
  DecoderMemory m;
  if (!options.attention) {
    ag::VariableScope scope(ps, kRnnSeq2Seq, std::nullopt, std::nullopt, options.dtype);
    m.state = detail::embedding_rnn_encode(ps, encoder_inputs, cell, num_encoder_symbols, embedding_size);
    return m;
  }
  S2S_CHECK(options.num_heads >= 1, "With less than 1 heads, use a non-attention decoder.");
  ag::VariableScope scope(ps, kAttentionSeq2Seq, std::nullopt, std::nullopt, options.dtype);
  EmbeddingAttentionSeq2SeqOptions enc;
  enc.mask_padding = options.mask_padding;
  enc.pad_id = options.pad_id;
  detail::AttentionEncoding encoded =
      detail::embedding_attention_encode(ps, encoder_inputs, cell, num_encoder_symbols, embedding_size, enc);
  ag::VariableScope decoder(ps, kAttentionDecoder);
  ag::VariableScope loop(ps, kAttentionLoop);
  const DType dtype = ps.current_dtype();
  const detail::AttentionHeads heads =
      detail::make_attention_heads(ps, encoded.attention_states, options.num_heads, encoded.mask, dtype);
  m.state = std::move(encoded.state);
  m.hidden = heads.hidden;
  m.features = heads.features;
  m.v = heads.v;
  m.mask_bias = heads.mask_bias;
  if (options.initial_state_attention) {
    m.attns = detail::attention(ps, heads, m.state);
  } else {
    const std::int64_t B = heads.batch, A = heads.size;
    for (std::int64_t k = 0; k < options.num_heads; ++k)
      m.attns.push_back(detail::filled({B, A}, dtype, m.hidden.device(), 0.0));
  }
  return m;
}

Var incremental_decode_step(ParamStore& ps, const Tensor& ids, DecoderMemory& memory, const CellPtr& cell,
                            std::int64_t num_decoder_symbols, std::int64_t embedding_size,
                            const IncrementalSeq2SeqOptions& options) {
  S2S_CHECK(cell != nullptr, "incremental_decode_step: cell must be an RNNCell");
  S2S_CHECK(ids.defined() && ids.dtype() == DType::I32 && ids.ndim() == 1 && ids.numel() == memory.rows(),
            "incremental_decode_step: ids must be int32 [", memory.rows(), "]");
  ag::VariableScope reuse(ps, "", ag::Reuse::Yes);
  // As the full functions: without a projection the decoder cell carries its own (n -> V).
  CellPtr decoder_cell = cell;
  if (!options.output_projection) decoder_cell = std::make_shared<OutputProjectionWrapper>(cell, num_decoder_symbols);
  Var output;
  if (options.attention) {
    ag::VariableScope scope(ps, kAttentionSeq2Seq, std::nullopt, std::nullopt, options.dtype);
    ag::VariableScope decoder(ps, kAttentionDecoder);
    Var embedding = ps.get_variable("embedding", {num_decoder_symbols, embedding_size});
    Var inp = ag::embedding_lookup(embedding, ids);
    ag::VariableScope loop(ps, kAttentionLoop);
    const std::int64_t output_size = options.output_projection ? cell->output_size() : num_decoder_symbols;
    detail::AttentionStep step =
        detail::attention_decoder_step(ps, heads_of(memory), inp, memory.state, memory.attns, *decoder_cell,
                                       output_size, memory.steps == 0 && options.initial_state_attention);
    memory.state = std::move(step.state);
    memory.attns = std::move(step.attns);
    output = std::move(step.output);
  } else {
    ag::VariableScope scope(ps, kRnnSeq2Seq, std::nullopt, std::nullopt, options.dtype);
    ag::VariableScope decoder(ps, kRnnDecoder);
    Var embedding = ps.get_variable("embedding", {num_decoder_symbols, embedding_size});
    Var inp = ag::embedding_lookup(embedding, ids);
    ag::VariableScope loop(ps, kRnnLoop);
    CellOutput step = (*decoder_cell)(ps, inp, memory.state);
    memory.state = std::move(step.state);
    output = std::move(step.output);
  }
  ++memory.steps;
  return options.output_projection ? options.output_projection->apply(output) : output;
}

DecoderMemory reorder_rows(const DecoderMemory& memory, const Tensor& rows, bool same_sources) {
  S2S_CHECK(rows.defined() && rows.dtype() == DType::I32 && rows.ndim() == 1,
            "reorder_rows: rows must be int32 [R]");
  S2S_CHECK(!same_sources || rows.numel() == memory.rows(), "reorder_rows: ", rows.numel(), " rows for ",
            memory.rows(), " (same_sources keeps the row count)");
  DecoderMemory out;
  out.state = memory.state.map([&](const Var& s) { return gather_rows(s, rows); });
  out.v = memory.v;
  if (same_sources) {
    out.hidden = memory.hidden;
    out.features = memory.features;
    out.mask_bias = memory.mask_bias;
  } else {
    out.hidden = gather_rows(memory.hidden, rows);
    for (const Var& f : memory.features) out.features.push_back(gather_rows(f, rows));
    out.mask_bias = gather_rows(memory.mask_bias, rows);
  }
  for (const Var& a : memory.attns) out.attns.push_back(gather_rows(a, rows));
  out.steps = memory.steps;
  return out;
}

}  // namespace s2s::nn
