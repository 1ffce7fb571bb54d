// Owns: sacrebleu-equal corpus chrF (see the header); the operation order mirrors
// sacrebleu/metrics/chrf.py (_get_match_statistics, _compute_f_score, _compute_segment_statistics).
#include "s2s/score/chrf.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "s2s/core/error.h"
#include "s2s/score/sacrebleu_version.h"
#include "s2s/score/unicode_text.h"

namespace s2s::score {
namespace {

using CharNgrams = std::unordered_map<std::string_view, std::int64_t>;

// The character n-grams of one segment, orders 1..6, as views into `text` (whitespace removed).
struct SegmentNgrams {
  std::string text;
  std::array<CharNgrams, kChrfCharOrder> counts;
  explicit SegmentNgrams(std::string_view line) : text(remove_python_whitespace(line)) {
    const auto offsets = code_point_offsets(text);
    const std::size_t chars = offsets.size() - 1;
    const std::string_view view = text;
    for (std::size_t n = 1; n <= counts.size(); ++n)
      for (std::size_t i = 0; i + n <= chars; ++i) ++counts[n - 1][view.substr(offsets[i], offsets[i + n] - offsets[i])];
  }
  SegmentNgrams(const SegmentNgrams&) = delete;  // the maps hold views into `text`
  SegmentNgrams& operator=(const SegmentNgrams&) = delete;
};

ChrfStats match_statistics(const SegmentNgrams& hyp, const SegmentNgrams& ref) {
  ChrfStats s;
  for (std::size_t n = 0; n < hyp.counts.size(); ++n) {
    std::int64_t hyp_count = 0, match_count = 0, ref_count = 0;
    for (const auto& [ngram, count] : hyp.counts[n]) {
      hyp_count += count;
      if (auto it = ref.counts[n].find(ngram); it != ref.counts[n].end()) match_count += std::min(count, it->second);
    }
    for (const auto& [ngram, count] : ref.counts[n]) ref_count += count;
    s.hyp[n] = ref.counts[n].empty() ? 0 : hyp_count;  // no hits counted where the reference has none
    s.ref[n] = ref_count;
    s.match[n] = match_count;
  }
  return s;
}

}  // namespace

ChrfStats& ChrfStats::operator+=(const ChrfStats& o) {
  for (std::size_t n = 0; n < hyp.size(); ++n) {
    hyp[n] += o.hyp[n];
    ref[n] += o.ref[n];
    match[n] += o.match[n];
  }
  return *this;
}

double chrf_from_stats(const ChrfStats& s) {
  const double factor = kChrfBeta * kChrfBeta;
  double avg_prec = 0.0, avg_rec = 0.0;
  int effective_order = 0;
  for (std::size_t n = 0; n < s.hyp.size(); ++n) {
    if (s.hyp[n] > 0 && s.ref[n] > 0) {
      avg_prec += static_cast<double>(s.match[n]) / static_cast<double>(s.hyp[n]);
      avg_rec += static_cast<double>(s.match[n]) / static_cast<double>(s.ref[n]);
      ++effective_order;
    }
  }
  if (effective_order == 0) return 0.0;
  avg_prec /= effective_order;
  avg_rec /= effective_order;
  if (avg_prec + avg_rec == 0.0) return 0.0;
  double score = (1 + factor) * avg_prec * avg_rec;
  score /= (factor * avg_prec) + avg_rec;
  return 100 * score;
}

ChrfStats chrf_segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs) {
  S2S_CHECK(!refs.empty(), "chrF needs at least one reference per segment");
  const SegmentNgrams hyp_ngrams(hyp);
  ChrfStats best;
  double best_f = -1.0;
  for (std::string_view ref : refs) {
    const SegmentNgrams ref_ngrams(ref);
    const ChrfStats s = match_statistics(hyp_ngrams, ref_ngrams);
    const double f = chrf_from_stats(s);
    if (f > best_f) {  // strictly better: the first reference wins a tie
      best_f = f;
      best = s;
    }
  }
  return best;
}

ChrfScore corpus_chrf(const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs) {
  S2S_CHECK(!refs.empty(), "chrF needs at least one reference stream");
  for (std::size_t k = 0; k < refs.size(); ++k)
    S2S_CHECK(refs[k].size() == hyps.size(), "reference stream ", k + 1, " has ", refs[k].size(),
              " segments but the hypotheses have ", hyps.size());
  ChrfScore r;
  std::vector<std::string_view> seg_refs(refs.size());
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    for (std::size_t k = 0; k < refs.size(); ++k) seg_refs[k] = refs[k][i];
    r.stats += chrf_segment_stats(hyps[i], seg_refs);
  }
  r.score = chrf_from_stats(r.stats);
  return r;
}

std::string chrf_signature(int num_refs) {
  return fmt::format("nrefs:{}|case:mixed|eff:yes|nc:{}|nw:0|space:no|version:{}", num_refs, kChrfCharOrder,
                     kSacrebleuVersion);
}

std::string format_chrf(const ChrfScore& s, int width, std::string_view signature) {
  const std::string name = fmt::format("chrF{}", kChrfBeta);
  if (signature.empty()) return fmt::format("{} = {:.{}f}", name, s.score, width);
  return fmt::format("{}|{} = {:.{}f}", name, signature, s.score, width);
}

}  // namespace s2s::score
