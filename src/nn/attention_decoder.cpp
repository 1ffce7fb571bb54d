// Owns: attention_decoder (§4.7) and embedding_attention_decoder (§4.8).
//
// Shapes: H attention_states [B, L, A]; F_k = H @ AttnW_k [B, L, A] (the 1×1 convolution, no
// bias); query q = concat(flatten(state)) [B, Q]; y_k = q @ Wq_k + bq_k [B, A];
// e_k = tanh(F_k + y_k) @ v_k [B, L] (one fused op, ag::attention_score); α_k = softmax(e_k);
// d_k = α_k @ H [B, A] (per example, a batched GEMM).
#include "s2s/nn/attention_decoder.h"

#include <cfloat>

#include "attention_step.h"
#include "decoder_loop.h"
#include "s2s/autograd/ops.h"
#include "s2s/autograd/rnn_ops.h"
#include "s2s/kernels/fill.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/nn/linear.h"
#include "var_helpers.h"

namespace s2s::nn {
namespace detail {

std::vector<Var> attention(ParamStore& ps, const AttentionHeads& heads, const State& query_state) {
  std::vector<Var> parts = query_state.flatten();
  for (const auto& p : parts)
    S2S_CHECK(p.ndim() == 2, "attention_decoder: every state component must be [B, n], got ", shape_str(p.shape()));
  Var query = parts.size() == 1 ? parts[0] : ag::concat(parts);
  const std::int64_t B = query.dim(0), L = heads.length, A = heads.size;
  std::vector<Var> reads;
  for (std::size_t k = 0; k < heads.features.size(); ++k) {
    ag::VariableScope scope(ps, "Attention_" + std::to_string(k));
    Var y = linear(ps, {query}, A);                                                  // [B, A]
    Var e = ag::attention_score(heads.features[k], y, heads.v[k]);                   // [B, L], fused
    if (heads.mask_bias.defined()) e = ag::add(e, heads.mask_bias);
    Var alpha = ag::softmax(e);
    Var d = ag::matmul(ag::reshape(alpha, {B, 1, L}), heads.hidden);                  // [B, 1, A]
    reads.push_back(ag::reshape(d, {B, A}));
  }
  return reads;
}

AttentionHeads make_attention_heads(ParamStore& ps, const Var& attention_states, std::int64_t num_heads,
                                    const std::optional<Tensor>& attention_mask, DType dtype) {
  S2S_CHECK(attention_states.defined() && attention_states.ndim() == 3,
            "Shape[2] of attention_states must be known: ",
            attention_states.defined() ? shape_str(attention_states.shape()) : std::string("None"),
            " (attention_states must be [B, L, A])");
  const Device device = attention_states.device();
  AttentionHeads heads;
  heads.hidden = attention_states;
  heads.batch = attention_states.dim(0);
  heads.length = attention_states.dim(1);
  heads.size = attention_states.dim(2);
  const std::int64_t B = heads.batch, L = heads.length, A = heads.size;
  if (attention_mask) {
    Tensor m = *attention_mask;
    S2S_CHECK(m.defined() && m.numel() == B * L, "attention_decoder: attention_mask must be [", B, ", ", L, "], got ",
              m.defined() ? shape_str(m.shape()) : std::string("an undefined tensor"));
    // A mask already in the step's dtype and memory (mask_padding builds it there) is used as it
    // is; any other is converted once (a host mask: one upload).
    if (m.dtype() != dtype || m.device() != device) m = m.to(Device::CPU).to_dtype(dtype).to(device);
    // bias = FLT_MAX·(mask − 1): 0 where the mask is 1, −FLT_MAX where it is 0 (exact in both
    // dtypes), on the device.
    Tensor bias = Tensor::empty({B, L}, dtype, device);
    kern::fill(bias, -double(FLT_MAX));
    kern::axpy(bias, m.reshape({B, L}), double(FLT_MAX));
    heads.mask_bias = ag::constant(bias);
  }
  Var hidden_2d = ag::reshape(attention_states, {B * L, A});
  for (std::int64_t k = 0; k < num_heads; ++k) {
    Var w = ps.get_variable("AttnW_" + std::to_string(k), {1, 1, A, A}, std::nullopt, dtype);
    heads.features.push_back(ag::reshape(ag::matmul(hidden_2d, ag::reshape(w, {A, A})), {B, L, A}));
    Var v = ps.get_variable("AttnV_" + std::to_string(k), {A}, std::nullopt, dtype);
    heads.v.push_back(v);
  }
  return heads;
}

AttentionStep attention_decoder_step(ParamStore& ps, const AttentionHeads& heads, const Var& inp, const State& state,
                                     const std::vector<Var>& attns, RNNCell& cell, std::int64_t output_size,
                                     bool first_with_initial_attention) {
  const std::int64_t input_size = inp.dim(1);
  std::vector<Var> mix = {inp};
  mix.insert(mix.end(), attns.begin(), attns.end());
  Var x = linear(ps, mix, input_size);
  CellOutput step = cell(ps, x, state);
  AttentionStep out;
  out.state = std::move(step.state);
  if (first_with_initial_attention) {
    ag::VariableScope shared(ps, "", ag::Reuse::Yes);
    out.attns = attention(ps, heads, out.state);
  } else {
    out.attns = attention(ps, heads, out.state);
  }
  ag::VariableScope proj(ps, "AttnOutputProjection");
  std::vector<Var> parts = {step.output};
  parts.insert(parts.end(), out.attns.begin(), out.attns.end());
  out.output = linear(ps, parts, output_size);
  return out;
}

}  // namespace detail

namespace {

RnnOutput run_attention_decoder(ParamStore& ps, std::int64_t steps, const detail::InputAt& input_at,
                                const State& initial_state, const Var& attention_states, RNNCell& cell,
                                const AttentionDecoderOptions& options) {
  S2S_CHECK(steps > 0, "Must provide at least 1 input to attention decoder.");
  S2S_CHECK(options.num_heads >= 1, "With less than 1 heads, use a non-attention decoder.");
  S2S_CHECK(attention_states.defined() && attention_states.ndim() == 3,
            "Shape[2] of attention_states must be known: ",
            attention_states.defined() ? shape_str(attention_states.shape()) : std::string("None"),
            " (attention_states must be [B, L, A])");
  const std::int64_t output_size = options.output_size.value_or(cell.output_size());
  ag::VariableScope scope(ps, options.scope, std::nullopt, std::nullopt, options.dtype);
  const DType dtype = ps.current_dtype();
  const Device device = attention_states.device();
  const detail::AttentionHeads heads =
      detail::make_attention_heads(ps, attention_states, options.num_heads, options.attention_mask, dtype);
  const std::int64_t A = heads.size;

  State state = initial_state;
  std::vector<Var> attns;
  const Var first_input = input_at(0);
  const std::int64_t batch = first_input.dim(0);
  if (options.initial_state_attention) {
    attns = detail::attention(ps, heads, initial_state);
  } else {
    for (std::int64_t k = 0; k < options.num_heads; ++k) attns.push_back(detail::filled({batch, A}, dtype, device, 0.0));
  }
  detail::ReuseAfterFirst reuse(ps);
  RnnOutput out;
  out.outputs.reserve(static_cast<std::size_t>(steps));
  Var prev;
  for (std::int64_t i = 0; i < steps; ++i) {
    if (i > 0) reuse.engage();
    Var inp;
    if (options.loop_function && prev.defined()) {
      ag::VariableScope loop_scope(ps, "loop_function", ag::Reuse::Yes);
      inp = options.loop_function(prev, i);
    } else {
      inp = i == 0 ? first_input : input_at(i);
    }
    S2S_CHECK(inp.ndim() == 2, "Could not infer input size from input: step ", i, " has shape ", shape_str(inp.shape()));
    detail::AttentionStep step = detail::attention_decoder_step(ps, heads, inp, state, attns, cell, output_size,
                                                                i == 0 && options.initial_state_attention);
    state = std::move(step.state);
    attns = std::move(step.attns);
    if (options.loop_function) prev = step.output;
    out.outputs.push_back(std::move(step.output));
  }
  out.state = std::move(state);
  return out;
}

}  // namespace

RnnOutput attention_decoder(ParamStore& ps, const std::vector<Var>& decoder_inputs, const State& initial_state,
                            const Var& attention_states, const CellPtr& cell, const AttentionDecoderOptions& options) {
  S2S_CHECK(cell != nullptr, "attention_decoder: cell must be an RNNCell");
  return run_attention_decoder(
      ps, static_cast<std::int64_t>(decoder_inputs.size()), [&](std::int64_t t) { return decoder_inputs[t]; },
      initial_state, attention_states, *cell, options);
}

RnnOutput embedding_attention_decoder(ParamStore& ps, const Ids& decoder_inputs, const State& initial_state,
                                      const Var& attention_states, const CellPtr& cell, std::int64_t num_symbols,
                                      std::int64_t embedding_size, const EmbeddingAttentionDecoderOptions& options) {
  S2S_CHECK(cell != nullptr, "embedding_attention_decoder: cell must be an RNNCell");
  for (std::size_t t = 0; t < decoder_inputs.size(); ++t)
    S2S_CHECK(decoder_inputs[t].defined() && decoder_inputs[t].dtype() == DType::I32, "decoder_inputs[", t,
              "] must be int32 ids [B]");
  if (options.output_projection) detail::check_projection_bias(*options.output_projection, num_symbols);
  ag::VariableScope scope(ps, options.scope, std::nullopt, std::nullopt, options.dtype);
  Var embedding = ps.get_variable("embedding", {num_symbols, embedding_size});
  AttentionDecoderOptions att;
  att.output_size = options.output_size.value_or(cell->output_size());
  att.num_heads = options.num_heads;
  att.initial_state_attention = options.initial_state_attention;
  att.attention_mask = options.attention_mask;
  if (options.feed_previous)
    att.loop_function =
        extract_argmax_and_embed(embedding, options.output_projection, options.update_embedding_for_previous);
  return run_attention_decoder(
      ps, static_cast<std::int64_t>(decoder_inputs.size()),
      [&](std::int64_t t) { return ag::embedding_lookup(embedding, decoder_inputs[t]); }, initial_state,
      attention_states, *cell, att);
}

}  // namespace s2s::nn
