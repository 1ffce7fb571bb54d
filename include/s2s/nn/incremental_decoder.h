#pragma once
// Owns: step-at-a-time decoding of embedding_attention_seq2seq (§4.9) and embedding_rnn_seq2seq
// (§4.5) with feed_previous, for search algorithms that choose each step's input themselves (beam
// search). It is the same computation on the same variables, under the same scope names, as the
// full functions: the encoder is their encoder half and each step is the full loop's step body
// (attention_step.h, the cell call of run_rnn_decoder), so a decode driven with the argmax of each
// step reproduces feed_previous decoding op for op.
// Does not own: choosing the inputs (decode/beam_search), the model's projection parameters (the
// caller passes them as in the full functions).
// Every variable must already exist (the calls run under Reuse::Yes: a missing one is an error).
// Rows of a DecoderMemory are independent (one per hypothesis): reorder_rows gathers them, so beam
// search can expand N sources into N·k beams and follow each beam's parent.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn {

struct IncrementalSeq2SeqOptions {
  bool attention = true;  // embedding_attention_seq2seq; false: embedding_rnn_seq2seq
  std::int64_t num_heads = 1;
  std::optional<OutputProjection> output_projection;  // none: the cell is OutputProjectionWrapper-ed
  std::optional<DType> dtype;
  bool initial_state_attention = false;
  bool mask_padding = false;  // attention only (§11.6)
  std::int32_t pad_id = 0;
};

// What a step reads besides its input ids; R rows.
struct DecoderMemory {
  State state;  // the decoder cell's state, leaves [R, n]
  // Attention only (empty otherwise):
  Var hidden;                 // H [R, L, A]
  std::vector<Var> features;  // F_k = H @ AttnW_k [R, L, A]
  std::vector<Var> v;         // AttnV_k [A] (shared by the rows)
  Var mask_bias;              // [R, L] or undefined
  std::vector<Var> attns;     // the previous step's attention reads [R, A] per head
  std::int64_t steps = 0;     // decoder steps taken so far
  std::int64_t rows() const;
};

// Runs the encoder on int32 ids [B] per step (time-major, as the full functions take them).
DecoderMemory incremental_encode(ParamStore& ps, const Ids& encoder_inputs, const CellPtr& cell,
                                 std::int64_t num_encoder_symbols, std::int64_t embedding_size,
                                 const IncrementalSeq2SeqOptions& options);

// One decoder step with input ids [R] (GO at step 0, the chosen previous symbols after): returns
// the logits [R, num_decoder_symbols] (the projection applied when one is given) and advances
// `memory`.
Var incremental_decode_step(ParamStore& ps, const Tensor& ids, DecoderMemory& memory, const CellPtr& cell,
                            std::int64_t num_decoder_symbols, std::int64_t embedding_size,
                            const IncrementalSeq2SeqOptions& options);

// Row r of the result is row rows[r] of `memory` (rows: int32 [R'] on the memory's device).
// same_sources: every row keeps its source (rows[r] holds the same source as row r, as between
// the beams of one source), so the per-source attention memory (H, F_k, the mask) is kept as it
// is and only the state and the attention reads are gathered.
DecoderMemory reorder_rows(const DecoderMemory& memory, const Tensor& rows, bool same_sources = false);

}  // namespace s2s::nn
