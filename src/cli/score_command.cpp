// Owns: `s2s score --hyp H --ref R [--ref R2 ...]`: corpus BLEU and chrF of a hypothesis file
// against one or more reference files, equal to sacrebleu's defaults (docs/scoring.md), as
// sacrebleu-style lines or JSON. stdout carries only the scores; errors go to stderr via main.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "s2s/core/error.h"
#include "s2s/score/bleu.h"
#include "s2s/score/chrf.h"
#include "s2s/score/corpus_file.h"

namespace s2s::cli {
namespace {
struct ScoreOptions {
  std::string hyp;
  std::vector<std::string> refs;
  std::vector<std::string> metrics = {"bleu", "chrf"};
  bool json = false;
  bool signature = false;
  int width = 2;
};

int run_score(const ScoreOptions& o) {
  bool want_bleu = false, want_chrf = false;
  for (const auto& m : o.metrics) {
    if (m == "bleu") want_bleu = true;
    else if (m == "chrf") want_chrf = true;
    else S2S_FAIL("unknown metric '", m, "' in --metrics (expected a comma-separated list of bleu, chrf)");
  }
  S2S_CHECK(want_bleu || want_chrf, "--metrics names no metric (expected bleu, chrf or both)");
  const auto hyps = score::read_segments(o.hyp);
  S2S_CHECK(!hyps.empty(), o.hyp, " has no lines: nothing to score");
  std::vector<std::vector<std::string>> refs;
  std::vector<std::size_t> ref_lines;
  for (const auto& path : o.refs) {
    refs.push_back(score::read_segments(path));
    ref_lines.push_back(refs.back().size());
  }
  score::check_same_line_counts(o.hyp, hyps.size(), o.refs, ref_lines);
  const int nrefs = static_cast<int>(refs.size());

  nlohmann::json j;
  std::string text;
  if (want_bleu) {
    const auto b = score::corpus_bleu(hyps, refs);
    const auto sig = score::bleu_signature(nrefs);
    text += score::format_bleu(b, o.width, o.signature ? sig : "") + "\n";
    j["bleu"] = {{"score", b.score},     {"counts", b.counts},   {"totals", b.totals},
                 {"precisions", b.precisions}, {"bp", b.bp},     {"ratio", b.ratio},
                 {"sys_len", b.sys_len}, {"ref_len", b.ref_len}, {"signature", sig},
                 {"formatted", score::format_bleu(b, o.width)}};
  }
  if (want_chrf) {
    const auto c = score::corpus_chrf(hyps, refs);
    const auto sig = score::chrf_signature(nrefs);
    text += score::format_chrf(c, o.width, o.signature ? sig : "") + "\n";
    j["chrf"] = {{"score", c.score}, {"signature", sig}, {"formatted", score::format_chrf(c, o.width)}};
  }
  if (o.json) {
    j["hyp"] = o.hyp;
    j["refs"] = o.refs;
    j["segments"] = hyps.size();
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::fputs(text.c_str(), stdout);
  }
  return 0;
}
}  // namespace

CommandRunner setup_score(CLI::App& app) {
  auto o = std::make_shared<ScoreOptions>();
  app.add_option("--hyp", o->hyp, "hypothesis file: one detokenized segment per line (UTF-8)")->required();
  app.add_option("--ref", o->refs, "reference file, one line per hypothesis line; repeat for several references")
      ->required();
  app.add_option("--metrics", o->metrics, "comma-separated metrics to compute: bleu, chrf")->delimiter(',');
  app.add_flag("--json", o->json, "print the scores and their statistics as JSON (full precision)");
  app.add_flag("--signature", o->signature, "name sacrebleu's signature in the text lines (BLEU|nrefs:1|... = ...)");
  app.add_option("--width", o->width, "decimals of the scores in the text lines")->check(CLI::Range(0, 17));
  return [o] { return run_score(*o); };
}

}  // namespace s2s::cli
