#pragma once
// Owns: the vocabulary shared by the seq2seq functions (spec §4.0): the result type, the
// caller-owned output projection, loop functions, the feed_previous switch, and
// `_extract_argmax_and_embed`.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "s2s/nn/cell.h"

namespace s2s::nn {

// Sequences are time-major lists of per-step tensors: float inputs as Vars [B, in], ids as int32
// Tensors [B].
using Ids = std::vector<Tensor>;

// (outputs per step, final state) — every function returns only the final state (§9.1).
struct RnnOutput {
  std::vector<Var> outputs;
  State state;
};

// The caller's (W, b) pair. W is [out, V] as in TF (`transposed` = false), or the tutorial's
// proj_w [V, out] held un-transposed (`transposed` = true: apply() uses x @ Wᵀ without copying).
struct OutputProjection {
  Var w;
  Var b;  // [V]
  bool transposed = false;
  std::int64_t num_symbols() const { return transposed ? w.dim(0) : w.dim(1); }
  std::int64_t input_size() const { return transposed ? w.dim(1) : w.dim(0); }
  Var apply(const Var& x) const;  // x @ W + b: [B, out] -> [B, V]
};

// loop(prev, i): the input of step i >= 1 from the previous step's output (§4.0).
using LoopFunction = std::function<Var(const Var& prev, std::int64_t i)>;

// feed_previous as TF's Python bool (`FeedPrevious(true)`) or as its scalar bool Tensor
// (`FeedPrevious::tensor(v)`): both decoders are the same computation on the same variables,
// chosen at run time by `value`; the Tensor form stops the gradient into the embeddings of
// generated symbols (update_embedding_for_previous = false) in the three embedding_*_seq2seq
// functions, as TF does (§4.0). In this eager implementation only the chosen branch is computed
// (the other would receive no gradient and return nothing), so no work is wasted.
struct FeedPrevious {
  bool value = false;
  bool is_tensor = false;
  FeedPrevious() = default;
  FeedPrevious(bool v) : value(v) {}  // NOLINT: implicit, like passing a Python bool
  static FeedPrevious tensor(bool v) {
    FeedPrevious f(v);
    f.is_tensor = true;
    return f;
  }
};

// TF's _extract_argmax_and_embed: prev -> (prev @ W + b if a projection is given) -> argmax (first
// maximal index, §11.4) -> embedding row; stop_gradient on the row unless update_embedding.
// No gradient ever flows through the argmax (the projection is evaluated off the tape).
LoopFunction extract_argmax_and_embed(const Var& embedding,
                                      const std::optional<OutputProjection>& output_projection,
                                      bool update_embedding = true);

}  // namespace s2s::nn
