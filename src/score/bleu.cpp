// Owns: sacrebleu-equal corpus BLEU (see the header); the operation order below mirrors
// sacrebleu/metrics/bleu.py (compute_bleu, _get_closest_ref_len, _extract_reference_info).
#include "s2s/score/bleu.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "s2s/core/error.h"
#include "s2s/score/sacrebleu_version.h"
#include "s2s/score/tokenizer_13a.h"
#include "s2s/score/unicode_text.h"

namespace s2s::score {
namespace {

// An n-gram as (n, token ids); ids are per segment, shared by the hypothesis and its references.
struct NgramKey {
  std::array<std::int32_t, kBleuMaxOrder> ids{};
  int n = 0;
  bool operator==(const NgramKey& o) const { return n == o.n && ids == o.ids; }
};
struct NgramHash {
  std::size_t operator()(const NgramKey& k) const {
    std::size_t h = static_cast<std::size_t>(k.n);
    for (int i = 0; i < k.n; ++i) h = h * 1000003u ^ static_cast<std::size_t>(k.ids[static_cast<std::size_t>(i)]);
    return h;
  }
};
using NgramCounts = std::unordered_map<NgramKey, std::int64_t, NgramHash>;

class Vocab {
 public:
  std::vector<std::int32_t> ids_of(std::string_view line) {
    std::vector<std::int32_t> ids;
    for (std::string_view w : split_python_whitespace(line)) {
      auto [it, inserted] = ids_.try_emplace(w, static_cast<std::int32_t>(ids_.size()));
      ids.push_back(it->second);
    }
    return ids;
  }

 private:
  std::unordered_map<std::string_view, std::int32_t> ids_;
};

// sacrebleu's extract_all_word_ngrams(line, 1, 4).
NgramCounts count_ngrams(const std::vector<std::int32_t>& tokens) {
  NgramCounts counts;
  const int len = static_cast<int>(tokens.size());
  for (int n = 1; n <= kBleuMaxOrder; ++n)
    for (int i = 0; i + n <= len; ++i) {
      NgramKey key;
      key.n = n;
      for (int k = 0; k < n; ++k) key.ids[static_cast<std::size_t>(k)] = tokens[static_cast<std::size_t>(i + k)];
      ++counts[key];
    }
  return counts;
}

// sacrebleu's my_log: log, with log(0) floored to -9999999999.
double floored_log(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

}  // namespace

BleuStats& BleuStats::operator+=(const BleuStats& o) {
  sys_len += o.sys_len;
  ref_len += o.ref_len;
  for (std::size_t n = 0; n < correct.size(); ++n) {
    correct[n] += o.correct[n];
    total[n] += o.total[n];
  }
  return *this;
}

BleuStats bleu_segment_stats(std::string_view hyp_tokenized, const std::vector<std::string_view>& refs_tokenized) {
  S2S_CHECK(!refs_tokenized.empty(), "BLEU needs at least one reference per segment");
  Vocab vocab;
  NgramCounts ref_max;
  std::vector<std::int64_t> ref_lens;
  for (std::string_view ref : refs_tokenized) {
    const auto tokens = vocab.ids_of(ref);
    ref_lens.push_back(static_cast<std::int64_t>(tokens.size()));
    for (const auto& [ngram, count] : count_ngrams(tokens)) {
      auto& best = ref_max[ngram];
      if (count > best) best = count;
    }
  }
  const auto hyp_tokens = vocab.ids_of(hyp_tokenized);
  BleuStats s;
  s.sys_len = static_cast<std::int64_t>(hyp_tokens.size());
  // Closest reference length; on a tie the shorter one (sacrebleu's _get_closest_ref_len).
  std::int64_t closest_diff = -1, closest_len = -1;
  for (std::int64_t len : ref_lens) {
    const std::int64_t diff = std::llabs(s.sys_len - len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      closest_len = len;
    } else if (diff == closest_diff && len < closest_len) {
      closest_len = len;
    }
  }
  s.ref_len = closest_len;
  for (const auto& [ngram, count] : count_ngrams(hyp_tokens)) {
    const auto n = static_cast<std::size_t>(ngram.n - 1);
    s.total[n] += count;
    if (auto it = ref_max.find(ngram); it != ref_max.end()) s.correct[n] += std::min(count, it->second);
  }
  return s;
}

BleuScore bleu_from_stats(const BleuStats& stats) {
  BleuScore r;
  r.counts = stats.correct;
  r.totals = stats.total;
  r.sys_len = stats.sys_len;
  r.ref_len = stats.ref_len;
  r.ratio = stats.ref_len != 0 ? static_cast<double>(stats.sys_len) / static_cast<double>(stats.ref_len) : 0.0;
  r.bp = 1.0;
  if (stats.sys_len < stats.ref_len)
    r.bp = stats.sys_len > 0
               ? std::exp(1.0 - static_cast<double>(stats.ref_len) / static_cast<double>(stats.sys_len))
               : 0.0;
  bool any_match = false;
  for (std::int64_t c : stats.correct) any_match = any_match || c != 0;
  if (!any_match) return r;  // score 0, precisions 0 (sacrebleu's early stop, its issue #141)

  double smooth_mteval = 1.0;
  for (std::size_t n = 0; n < r.precisions.size(); ++n) {
    if (stats.total[n] == 0) break;  // the remaining precisions stay 0 and floor the log
    if (stats.correct[n] == 0) {
      smooth_mteval *= 2;
      r.precisions[n] = 100.0 / (smooth_mteval * static_cast<double>(stats.total[n]));
    } else {
      r.precisions[n] = 100.0 * static_cast<double>(stats.correct[n]) / static_cast<double>(stats.total[n]);
    }
  }
  double log_sum = 0.0;
  for (double p : r.precisions) log_sum += floored_log(p);
  r.score = r.bp * std::exp(log_sum / kBleuMaxOrder);
  return r;
}

BleuScore corpus_bleu(const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs) {
  S2S_CHECK(!refs.empty(), "BLEU needs at least one reference stream");
  for (std::size_t k = 0; k < refs.size(); ++k)
    S2S_CHECK(refs[k].size() == hyps.size(), "reference stream ", k + 1, " has ", refs[k].size(),
              " segments but the hypotheses have ", hyps.size());
  BleuStats total;
  std::vector<std::string> ref_tok(refs.size());
  std::vector<std::string_view> ref_views(refs.size());
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    for (std::size_t k = 0; k < refs.size(); ++k) {
      ref_tok[k] = tokenize_13a(rstrip_python_whitespace(refs[k][i]));
      ref_views[k] = ref_tok[k];
    }
    total += bleu_segment_stats(tokenize_13a(rstrip_python_whitespace(hyps[i])), ref_views);
  }
  return bleu_from_stats(total);
}

std::string bleu_signature(int num_refs) {
  return fmt::format("nrefs:{}|case:mixed|eff:no|tok:13a|smooth:exp|version:{}", num_refs, kSacrebleuVersion);
}

std::string format_bleu(const BleuScore& s, int width, std::string_view signature) {
  std::string name = signature.empty() ? std::string("BLEU") : fmt::format("BLEU|{}", signature);
  return fmt::format("{} = {:.{}f} {:.1f}/{:.1f}/{:.1f}/{:.1f} (BP = {:.3f} ratio = {:.3f} hyp_len = {} ref_len = {})",
                     name, s.score, width, s.precisions[0], s.precisions[1], s.precisions[2], s.precisions[3], s.bp,
                     s.ratio, s.sys_len, s.ref_len);
}

}  // namespace s2s::score
