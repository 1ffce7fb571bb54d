// Agreement with sacrebleu itself (PyPI, default BLEU() and CHRF()):
//  - always: the values tests/reference/sacrebleu_expected.py wrote with sacrebleu into
//    tests/fixtures/score/expected.json (10 sets over the committed fixture files: French,
//    English with two references, Chinese/Japanese/Korean/emoji, edge cases, weak systems), and
//    sacrebleu's own 13a tokenization of every fixture line;
//  - when S2S_SACREBLEU names a Python with sacrebleu installed: the same script run live on the
//    fixture sets and on seeded random corpora full of what tokenization can get wrong
//    (punctuation next to digits, entities, Python-only whitespace, emoji, invalid lines...).
// Counts and lengths must be equal; scores to 1e-9 relative (in practice they are bit-equal);
// the two-decimal text sacrebleu prints must be identical.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "s2s/score/bleu.h"
#include "s2s/score/chrf.h"
#include "s2s/score/corpus_file.h"
#include "s2s/score/sacrebleu_version.h"
#include "s2s/score/tokenizer_13a.h"
#include "s2s/score/unicode_text.h"

namespace s2s::score {
namespace {

using nlohmann::json;
constexpr double kRelTol = 1e-9;

std::string source_dir() {
  const char* d = std::getenv("S2S_SOURCE_DIR");
  return d != nullptr ? d : S2S_SCORE_TEST_SOURCE_DIR;
}
std::string fixtures() { return source_dir() + "/tests/fixtures/score"; }

double rel_diff(double ours, double theirs) {
  if (ours == theirs) return 0;
  return std::fabs(ours - theirs) / std::max(std::fabs(theirs), 1e-300);
}

// Largest relative score difference seen in this process (printed at the end of each test).
double g_worst_bleu = 0, g_worst_chrf = 0;

// Scores hyp/refs with our code and compares every field sacrebleu reported in `expected`.
void expect_agreement(const std::string& label, const std::string& hyp_path, const std::vector<std::string>& ref_paths,
                      const json& expected) {
  SCOPED_TRACE(label);
  const auto hyps = read_segments(hyp_path);
  std::vector<std::vector<std::string>> refs;
  for (const auto& p : ref_paths) refs.push_back(read_segments(p));
  ASSERT_EQ(static_cast<std::int64_t>(hyps.size()), expected.at("segments").get<std::int64_t>());

  const auto b = corpus_bleu(hyps, refs);
  const json& eb = expected.at("bleu");
  EXPECT_EQ(b.counts, (eb.at("counts").get<std::array<std::int64_t, 4>>()));
  EXPECT_EQ(b.totals, (eb.at("totals").get<std::array<std::int64_t, 4>>()));
  EXPECT_EQ(b.sys_len, eb.at("sys_len").get<std::int64_t>());
  EXPECT_EQ(b.ref_len, eb.at("ref_len").get<std::int64_t>());
  const double db = rel_diff(b.score, eb.at("score").get<double>());
  EXPECT_LE(db, kRelTol) << "BLEU ours " << b.score << " sacrebleu " << eb.at("score").get<double>();
  g_worst_bleu = std::max(g_worst_bleu, db);
  EXPECT_LE(rel_diff(b.bp, eb.at("bp").get<double>()), kRelTol);
  EXPECT_LE(rel_diff(b.ratio, eb.at("ratio").get<double>()), kRelTol);
  for (std::size_t n = 0; n < 4; ++n)
    EXPECT_LE(rel_diff(b.precisions[n], eb.at("precisions")[n].get<double>()), kRelTol) << "order " << n + 1;
  EXPECT_EQ(format_bleu(b), eb.at("formatted").get<std::string>());
  EXPECT_EQ(bleu_signature(static_cast<int>(refs.size())), eb.at("signature").get<std::string>());

  const auto c = corpus_chrf(hyps, refs);
  const json& ec = expected.at("chrf");
  const double dc = rel_diff(c.score, ec.at("score").get<double>());
  EXPECT_LE(dc, kRelTol) << "chrF ours " << c.score << " sacrebleu " << ec.at("score").get<double>();
  g_worst_chrf = std::max(g_worst_chrf, dc);
  EXPECT_EQ(format_chrf(c), ec.at("formatted").get<std::string>());
  EXPECT_EQ(chrf_signature(static_cast<int>(refs.size())), ec.at("signature").get<std::string>());

  if (expected.contains("tokenized_13a")) {
    const auto& tok = expected.at("tokenized_13a");
    int shown = 0;
    auto check_tok = [&](const std::vector<std::string>& lines, const json& want, const std::string& file) {
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string ours = tokenize_13a(rstrip_python_whitespace(lines[i]));
        if (ours != want.at(i).get<std::string>() && shown++ < 5)
          ADD_FAILURE() << file << " line " << i + 1 << ": 13a ours [" << ours << "] sacrebleu ["
                        << want.at(i).get<std::string>() << "]";
      }
    };
    check_tok(hyps, tok.at("hyp"), hyp_path);
    for (std::size_t k = 0; k < refs.size(); ++k) check_tok(refs[k], tok.at("refs").at(k), ref_paths[k]);
  }
}

json load_expected() {
  std::ifstream in(fixtures() + "/expected.json");
  EXPECT_TRUE(in.good()) << "cannot open " << fixtures() << "/expected.json";
  return json::parse(in);
}

TEST(SacrebleuAgreement, CommittedExpectedValues) {
  const json doc = load_expected();
  EXPECT_EQ(doc.at("sacrebleu_version").get<std::string>(), kSacrebleuVersion);
  ASSERT_GE(doc.at("sets").size(), 8u);
  for (const auto& set : doc.at("sets")) {
    std::vector<std::string> refs;
    for (const auto& r : set.at("refs")) refs.push_back(fixtures() + "/" + r.get<std::string>());
    expect_agreement(set.at("name").get<std::string>(), fixtures() + "/" + set.at("hyp").get<std::string>(), refs,
                     set);
  }
  std::printf("committed sacrebleu values: worst relative difference BLEU %.3g, chrF %.3g\n", g_worst_bleu,
              g_worst_chrf);
}

// ---- live sacrebleu (S2S_SACREBLEU=/path/to/python with sacrebleu) ---------------------------

// Appends `s` to `cmd` as one single-quoted shell word.
void append_quoted(std::string& cmd, const std::string& s) {
  cmd += " '";
  for (char c : s) {
    if (c == '\'') cmd.append("'\\''");
    else cmd.push_back(c);
  }
  cmd.push_back('\'');
}

// Runs tests/reference/sacrebleu_expected.py --hyp ... --ref ... and parses its JSON.
json run_sacrebleu(const std::string& python, const std::string& hyp, const std::vector<std::string>& refs) {
  std::string cmd;
  append_quoted(cmd, python);
  append_quoted(cmd, source_dir() + "/tests/reference/sacrebleu_expected.py");
  cmd += " --hyp";
  append_quoted(cmd, hyp);
  cmd += " --ref";
  for (const auto& r : refs) append_quoted(cmd, r);
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("failed (" + std::to_string(rc) + "): " + cmd);
  return json::parse(out);
}

const char* live_python() {
  const char* py = std::getenv("S2S_SACREBLEU");
  return py != nullptr && *py != '\0' ? py : nullptr;
}

TEST(SacrebleuAgreement, LiveFixtureSets) {
  const char* py = live_python();
  if (py == nullptr) GTEST_SKIP() << "S2S_SACREBLEU not set (path to a python with sacrebleu installed)";
  const json doc = load_expected();
  for (const auto& set : doc.at("sets")) {
    std::vector<std::string> refs;
    for (const auto& r : set.at("refs")) refs.push_back(fixtures() + "/" + r.get<std::string>());
    const std::string hyp = fixtures() + "/" + set.at("hyp").get<std::string>();
    const json live = run_sacrebleu(py, hyp, refs);
    if (live.at("sacrebleu_version").get<std::string>() != kSacrebleuVersion)
      std::printf("note: live sacrebleu is %s, signatures name %s\n",
                  live.at("sacrebleu_version").get<std::string>().c_str(), kSacrebleuVersion);
    else
      expect_agreement("live " + set.at("name").get<std::string>(), hyp, refs, live);
  }
  std::printf("live sacrebleu on the fixtures: worst relative difference BLEU %.3g, chrF %.3g\n", g_worst_bleu,
              g_worst_chrf);
}

// A random segment built from pieces that stress the 13a rules and Python's whitespace.
std::string random_segment(std::mt19937_64& rng) {
  static const std::vector<std::string> pieces = {
      "the", "cat", "sat", "on", "mat", "Le", "chat", "é", "café", "naïve", "œuvre", "Straße", "über",
      "3.14", "1,000", "5-3", "12:30", "1.000,50", "-1", "x.5", "5.x", "a.b", ".", ",", "..", "...", "-", "--",
      "!", "?", "\"", "'", "(", ")", "[", "]", "{", "}", "/", "\\", "$", "%", "&", ";", ":", "@", "#", "*",
      "+", "=", "<", ">", "^", "_", "`", "|", "~", "&amp;", "&quot;", "&lt;", "&gt;", "&amp;lt;", "<skipped>",
      "«", "»", "“", "”", "‘", "’", "—", "…", "中文", "日本語", "한국어", "。", "，", "😀", "🎉", "👨‍👩‍👧",
      "❤️", "e\u0301", "\u200b", "\u00ad", "ﬁ", "l'homme", "don't", "well-known", "U.S.", "e-mail"};
  static const std::vector<std::string> spaces = {" ", " ", " ", " ", "", "\t", "\u00a0", "\u202f", "\u3000",
                                                  "\u2009", "\u0085", "\u2028", "\x1f", "\r", "\x0b", "  "};
  std::uniform_int_distribution<int> len(0, 14);
  std::string s;
  const int n = len(rng) == 0 ? 0 : len(rng);
  for (int i = 0; i < n; ++i) {
    s += pieces[rng() % pieces.size()];
    s += spaces[rng() % spaces.size()];
  }
  return s;
}

// A reference: the hypothesis with some pieces dropped, replaced or reordered (so n-grams match).
std::string perturb(const std::string& hyp, std::mt19937_64& rng) {
  if (rng() % 10 == 0) return random_segment(rng);
  std::string out;
  std::size_t pos = 0;
  while (pos < hyp.size()) {
    std::size_t end = hyp.find(' ', pos);
    if (end == std::string::npos) end = hyp.size();
    const std::string word = hyp.substr(pos, end - pos);
    const auto roll = rng() % 10;
    if (roll == 0) {  // a few characters of another random segment, cut at a code-point boundary
      const std::string other = random_segment(rng);
      std::size_t cut = 0;
      for (std::size_t off : code_point_offsets(other))
        if (off <= 12) cut = off;
      out += other.substr(0, cut);
    } else if (roll != 1) {
      out += word;
    }
    out += ' ';
    pos = end + 1;
  }
  return out;
}

TEST(SacrebleuAgreement, LiveRandomCorpora) {
  const char* py = live_python();
  if (py == nullptr) GTEST_SKIP() << "S2S_SACREBLEU not set (path to a python with sacrebleu installed)";
  std::string tmpl = (std::filesystem::temp_directory_path() / "s2s_sacrebleu_XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl;
  const int corpora = std::getenv("S2S_SACREBLEU_CORPORA") ? std::atoi(std::getenv("S2S_SACREBLEU_CORPORA")) : 12;
  for (int c = 0; c < corpora; ++c) {
    std::mt19937_64 rng(1000 + static_cast<std::uint64_t>(c));
    const int lines = 1 + static_cast<int>(rng() % 60);
    const int nrefs = 1 + static_cast<int>(rng() % 3);
    std::ofstream hyp(dir + "/hyp", std::ios::binary);
    std::vector<std::ofstream> refs;
    std::vector<std::string> ref_paths;
    for (int k = 0; k < nrefs; ++k) {
      ref_paths.push_back(dir + "/ref" + std::to_string(k));
      refs.emplace_back(ref_paths.back(), std::ios::binary);
    }
    for (int i = 0; i < lines; ++i) {
      const std::string h = random_segment(rng);
      hyp << h << '\n';
      for (auto& r : refs) r << perturb(h, rng) << '\n';
    }
    hyp.close();
    for (auto& r : refs) r.close();
    expect_agreement("random corpus " + std::to_string(c), dir + "/hyp", ref_paths,
                     run_sacrebleu(py, dir + "/hyp", ref_paths));
    if (HasFailure()) {
      std::printf("kept the failing corpus in %s\n", dir.c_str());
      return;
    }
  }
  std::filesystem::remove_all(dir);
  std::printf("live sacrebleu on %d random corpora: worst relative difference BLEU %.3g, chrF %.3g\n", corpora,
              g_worst_bleu, g_worst_chrf);
}

}  // namespace
}  // namespace s2s::score
