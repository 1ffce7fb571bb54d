#pragma once
// Owns: corpus chrF equal to sacrebleu's default (sacrebleu.metrics.CHRF() with no arguments):
// character n-grams of orders 1..6 over code points, whitespace removed first (Python's
// str.split() whitespace), no word n-grams, beta 2, mixed case, and sacrebleu's default
// averaging: per order, precision = matches/hyp and recall = matches/ref over the corpus sums;
// the precisions and recalls of the orders where both hypothesis and reference have n-grams are
// averaged, and F_beta of the two averages is the score ("eff:yes"; no epsilon smoothing).
// With several references, each segment keeps the statistics of the reference with the best
// segment-level chrF (the first one on a tie).
// Invariant: the arithmetic mirrors sacrebleu/metrics/chrf.py operation for operation.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace s2s::score {

inline constexpr int kChrfCharOrder = 6;
inline constexpr int kChrfBeta = 2;

// Per order n = 1..6: hypothesis n-grams (0 when the reference has none of that order),
// reference n-grams, clipped matches.
struct ChrfStats {
  std::array<std::int64_t, kChrfCharOrder> hyp{}, ref{}, match{};
  ChrfStats& operator+=(const ChrfStats& o);
};

struct ChrfScore {
  double score = 0;  // 0..100
  ChrfStats stats;
};

// Statistics of one (raw) hypothesis against its (raw) references: the best reference's.
ChrfStats chrf_segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs);
// sacrebleu's CHRF._compute_f_score (eps_smoothing=False), in percent.
double chrf_from_stats(const ChrfStats& stats);

// Corpus chrF of raw segments; `refs[k][i]` is reference stream k's segment i (every stream must
// have hyps.size() segments; throws s2s::Error otherwise).
ChrfScore corpus_chrf(const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs);

// sacrebleu 2.x's signature, e.g. "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0".
std::string chrf_signature(int num_refs);
// sacrebleu's Score.format: "chrF2 = 55.12", or "chrF2|<signature> = 55.12".
std::string format_chrf(const ChrfScore& s, int width = 2, std::string_view signature = {});

}  // namespace s2s::score
