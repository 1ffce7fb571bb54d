#pragma once
// Owns: beam search over any step function (the model's incremental decoder, or a table in the
// tests), batched over N sources × k beams = R rows, and the GNMT length penalty. The rules (also
// in docs/decoding.md):
//  - A hypothesis's log-probability is Σ_t log softmax(logits_t)[y_t] over its steps, EOS included
//    when it ended with EOS. Its score is log P / lp(|Y|), lp(n) = ((5 + n) / 6)^α (Wu et al. 2016),
//    where |Y| counts the steps taken (the output tokens plus the EOS); α = 0 gives lp = 1, the
//    plain log-probability.
//  - Each step extends every live beam of a source by every symbol and ranks the k·V candidates by
//    their raw log-probability (ties: lower beam, then lower symbol id: the first maximal index,
//    as greedy's argmax). Walking the best min(2k, k·V) in order, an EOS candidate becomes a
//    finished hypothesis (its EOS not printed) and any other symbol a live beam, until k beams
//    live. PAD, GO and UNK are ordinary symbols, as they are for greedy decoding.
//  - A source stops when it reaches its max length (every live beam then ends, unfinished, with
//    |Y| = max length), when no beam is left alive, or when its n-best finished hypotheses all
//    score at least the best score any live beam could still reach (log P only falls as a beam
//    grows, so that bound is the best live log P / lp(max length); with α = 0, its log P).
//  - The result is every source's finished hypotheses, best score first (ties: the one that
//    finished first), at most n_best of them.
// With k = 1, α = 0 and the bucket's O as max length this is greedy decoding: the one live beam
// follows the argmax, and the search stops at the first EOS, whose hypothesis beats the live one.
// Device-agnostic: the per-step work on the logits runs as tensor kernels on the stepper's device
// (log-softmax, the beam-score add, k-best selection by repeated argmax + masking); the host reads
// back only the 2k selected (index, score) pairs per source and uploads the next step's ids,
// parents and scores (R values each).
#include <cstdint>
#include <span>
#include <vector>

#include "s2s/core/tensor.h"

namespace s2s::decode {

struct BeamOptions {
  std::int64_t beam_size = 4;     // k >= 1
  double length_penalty = 0.0;    // α >= 0
  std::int64_t n_best = 1;        // 1 <= n_best <= k
};

struct Hypothesis {
  std::vector<std::int32_t> ids;  // the output symbols, without the EOS
  double score = 0.0;             // log_prob / lp(length)
  double log_prob = 0.0;
  std::int64_t length = 0;        // steps taken: ids.size() + 1 when ended by EOS
  bool ended_by_eos = false;
};

// lp(n) = ((5 + n) / 6)^α.
double length_penalty(std::int64_t length, double alpha);

// One decoder step for R rows, each row one hypothesis with its own state.
class BeamStepper {
 public:
  virtual ~BeamStepper() = default;
  // Logits [R, V] (float, on the stepper's device) for the previous symbols `ids` (int32 [R], on
  // that device: GO at the first step); advances every row's state.
  virtual Tensor step(const Tensor& ids) = 0;
  // Row r of the new state is row rows[r] of the current one (rows: int32 [R'], on the device).
  // same_sources: rows[r] belongs to the same source as row r (a beam's parent is a beam of its
  // own source), so per-source memory (the attention states) need not move.
  virtual void reorder(const Tensor& rows, bool same_sources) = 0;
  virtual Device device() const = 0;
};

// N = max_steps.size() sources; the stepper holds one row per source on entry (and N·k rows
// after). max_steps[n] >= 1 is source n's max length. Returns, per source, its best hypotheses.
std::vector<std::vector<Hypothesis>> beam_search(BeamStepper& stepper, std::span<const std::int64_t> max_steps,
                                                 const BeamOptions& options);

}  // namespace s2s::decode
