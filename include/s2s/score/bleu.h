#pragma once
// Owns: corpus BLEU equal to sacrebleu's default (sacrebleu.metrics.BLEU() with no arguments):
// 13a tokenization, mixed case, n-grams 1..4, brevity penalty against the closest reference
// length (ties: the shorter), clipped counts against the per-n-gram maximum over the references,
// 'exp' smoothing (the k-th order with no match counts as 1/(2^k * total)), effective order off.
// Does not own: reading files (corpus_file.h) or choosing what to print (the `s2s score` command).
// Invariant: the arithmetic follows sacrebleu's compute_bleu operation for operation, so scores
// agree to the last bit on the same platform libm, not just to two decimals.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace s2s::score {

inline constexpr int kBleuMaxOrder = 4;

// Sufficient statistics of one segment or (summed) of a corpus.
struct BleuStats {
  std::int64_t sys_len = 0;  // hypothesis tokens
  std::int64_t ref_len = 0;  // closest reference length
  std::array<std::int64_t, kBleuMaxOrder> correct{};  // clipped n-gram matches, n = 1..4
  std::array<std::int64_t, kBleuMaxOrder> total{};    // hypothesis n-grams, n = 1..4
  BleuStats& operator+=(const BleuStats& o);
};

struct BleuScore {
  double score = 0;  // 0..100
  std::array<std::int64_t, kBleuMaxOrder> counts{};
  std::array<std::int64_t, kBleuMaxOrder> totals{};
  std::array<double, kBleuMaxOrder> precisions{};  // percentages, smoothed as sacrebleu does
  double bp = 0;     // brevity penalty
  double ratio = 0;  // sys_len / ref_len (0 when ref_len is 0)
  std::int64_t sys_len = 0, ref_len = 0;
};

// Statistics of one hypothesis against its references; all strings already 13a-tokenized.
BleuStats bleu_segment_stats(std::string_view hyp_tokenized, const std::vector<std::string_view>& refs_tokenized);
// sacrebleu's compute_bleu with smooth_method='exp', effective_order=False.
BleuScore bleu_from_stats(const BleuStats& stats);

// Corpus BLEU of raw (untokenized) segments. `refs[k][i]` is reference stream k's segment i;
// every stream must have hyps.size() segments (throws s2s::Error otherwise). Each segment is
// right-stripped (Python's rstrip) and 13a-tokenized, as sacrebleu does.
BleuScore corpus_bleu(const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs);

// sacrebleu 2.x's signature of this configuration, e.g.
// "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0" (the version we were checked against).
std::string bleu_signature(int num_refs);
// sacrebleu's Score.format: "BLEU = 35.12 66.7/41.2/28.1/19.5 (BP = 1.000 ratio = 1.000 hyp_len = 10
// ref_len = 10)"; with a signature, "BLEU|<signature> = ...". `width`: decimals of the score.
std::string format_bleu(const BleuScore& s, int width = 2, std::string_view signature = {});

}  // namespace s2s::score
