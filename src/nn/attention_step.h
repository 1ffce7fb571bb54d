#pragma once
// Owns (private to nn/): the pieces of attention_decoder (§4.7) shared by the full decoding loop
// (run_attention_decoder) and the incremental decoder (incremental_decoder.cpp, beam search): the
// attention memory computed once per source (H, F_k = H @ AttnW_k, the optional mask bias), one
// attention read, and one decoder step. Both callers run the same code on the same variables, so a
// step-by-step decode is the full loop's computation, op for op.
#include <cstdint>
#include <optional>
#include <vector>

#include "s2s/nn/seq2seq_types.h"

namespace s2s::nn::detail {

struct AttentionHeads {
  Var hidden;                 // H [B, L, A]
  Var mask_bias;              // [B, L]: 0 or −FLT_MAX (s2s's optional padding mask), or undefined
  std::vector<Var> features;  // F_k [B, L, A]
  std::vector<Var> v;         // v_k [A]
  std::int64_t batch = 0, length = 0, size = 0;
};


// In the attention decoder's scope: checks attention_states [B, L, A], takes AttnW_k / AttnV_k and
// computes F_k; the mask (any dtype/device, [B, L]) becomes the additive bias.
AttentionHeads make_attention_heads(ParamStore& ps, const Var& attention_states, std::int64_t num_heads,
                                    const std::optional<Tensor>& attention_mask, DType dtype);

// attention(S): one read vector [B, A] per head.
std::vector<Var> attention(ParamStore& ps, const AttentionHeads& heads, const State& query_state);

struct AttentionStep {
  Var output;              // [B, output_size]
  State state;             // the cell's new state
  std::vector<Var> attns;  // the new attention reads, one [B, A] per head
};
// One step of the decoder loop body: x = linear([inp, attns]), the cell, attention on the new
// state, AttnOutputProjection. `first_with_initial_attention` is step 0 with
// initial_state_attention (its attention call reuses the variables of the initial one).
AttentionStep attention_decoder_step(ParamStore& ps, const AttentionHeads& heads, const Var& inp, const State& state,
                                     const std::vector<Var>& attns, RNNCell& cell, std::int64_t output_size,
                                     bool first_with_initial_attention);

}  // namespace s2s::nn::detail
