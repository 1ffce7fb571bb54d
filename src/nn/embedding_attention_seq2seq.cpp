// Owns: embedding_attention_seq2seq (§4.9).
#include "s2s/nn/embedding_attention_seq2seq.h"

#include "s2s/autograd/ops.h"
#include "s2s/kernels/mask.h"
#include "s2s/nn/attention_decoder.h"
#include "s2s/nn/embedding_wrapper.h"
#include "s2s/nn/projection_wrappers.h"
#include "s2s/nn/static_rnn.h"
#include "seq2seq_encoders.h"

namespace s2s::nn {

namespace detail {

AttentionEncoding embedding_attention_encode(ParamStore& ps, const Ids& encoder_inputs, const CellPtr& cell,
                                             std::int64_t num_encoder_symbols, std::int64_t embedding_size,
                                             const EmbeddingAttentionSeq2SeqOptions& options) {
  const DType dtype = ps.current_dtype();
  // Encoder: TF wraps `encoder_cell` or a deepcopy of `cell`; the copy is the same cell under rnn/.
  auto encoder_cell =
      std::make_shared<EmbeddingWrapper>(options.encoder_cell ? options.encoder_cell : cell, num_encoder_symbols,
                                         embedding_size);
  StaticRnnOptions enc;
  enc.dtype = dtype;
  RnnOutput encoded = static_rnn(ps, encoder_cell, ids_as_vars(encoder_inputs), enc);

  // attention_states [B, T_enc, cell.output_size]: TF reshapes with the *decoder* cell's size.
  const std::int64_t top = cell->output_size();
  for (const auto& o : encoded.outputs)
    S2S_CHECK(o.dim(1) == top, "embedding_attention_seq2seq: encoder outputs are ", shape_str(o.shape()),
              " but attention states are reshaped to [-1, 1, ", top,
              "] (cell.output_size): an encoder_cell must have the cell's output size");
  const std::int64_t B = encoded.outputs.front().dim(0), T = static_cast<std::int64_t>(encoded.outputs.size());
  AttentionEncoding out;
  out.attention_states = ag::reshape(ag::concat(encoded.outputs), {B, T, top});
  out.state = std::move(encoded.state);
  if (options.mask_padding) {
    // Built where the ids live (a kernel per time step): no read-back, so the step stays capturable.
    Tensor mask = Tensor::empty({B, T}, out.attention_states.dtype(), out.attention_states.device());
    for (std::int64_t t = 0; t < T; ++t) kern::padding_mask(mask, t, encoder_inputs[t], options.pad_id);
    out.mask = mask;
  }
  return out;
}

}  // namespace detail

RnnOutput embedding_attention_seq2seq(ParamStore& ps, const Ids& encoder_inputs, const Ids& decoder_inputs,
                                      const CellPtr& cell, std::int64_t num_encoder_symbols,
                                      std::int64_t num_decoder_symbols, std::int64_t embedding_size,
                                      const EmbeddingAttentionSeq2SeqOptions& options) {
  S2S_CHECK(cell != nullptr, "embedding_attention_seq2seq: cell must be an RNNCell");
  ag::VariableScope scope(ps, options.scope, std::nullopt, std::nullopt, options.dtype);
  detail::AttentionEncoding encoded =
      detail::embedding_attention_encode(ps, encoder_inputs, cell, num_encoder_symbols, embedding_size, options);

  CellPtr decoder_cell = cell;
  EmbeddingAttentionDecoderOptions dec;
  if (!options.output_projection) {
    decoder_cell = std::make_shared<OutputProjectionWrapper>(cell, num_decoder_symbols);
    dec.output_size = num_decoder_symbols;
  }
  dec.num_heads = options.num_heads;
  dec.output_projection = options.output_projection;
  dec.feed_previous = options.feed_previous.value;
  dec.update_embedding_for_previous = !options.feed_previous.is_tensor;  // §4.0 asymmetry
  dec.initial_state_attention = options.initial_state_attention;
  dec.attention_mask = encoded.mask;
  return embedding_attention_decoder(ps, decoder_inputs, encoded.state, encoded.attention_states, decoder_cell,
                                     num_decoder_symbols, embedding_size, dec);
}

}  // namespace s2s::nn
