// Owns: `s2s score` through the binary: its text lines and JSON equal what sacrebleu printed and
// computed for the committed fixtures (tests/fixtures/score/expected.json, written by
// tests/reference/sacrebleu_expected.py with sacrebleu), stdout holds only the scores, and bad
// input (missing file, line-count mismatch, unknown metric) fails with a message naming it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string fixture(const std::string& name) { return source_dir() + "/tests/fixtures/score/" + name; }

nlohmann::json expected_set(const std::string& name) {
  std::ifstream in(fixture("expected.json"));
  const auto doc = nlohmann::json::parse(in);
  for (const auto& s : doc.at("sets"))
    if (s.at("name") == name) return s;
  ADD_FAILURE() << "no set " << name << " in expected.json";
  return {};
}

TEST(ScoreCommand, TextLinesEqualSacrebleus) {
  TempDir tmp;
  const auto want = expected_set("en-fr");
  auto r = run_s2s({"score", "--hyp", fixture("en-fr.hyp.fr"), "--ref", fixture("en-fr.ref.fr")}, tmp.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, want.at("bleu").at("formatted").get<std::string>() + "\n" +
                       want.at("chrf").at("formatted").get<std::string>() + "\n");
  EXPECT_EQ(r.err, "");

  r = run_s2s({"score", "--hyp", fixture("en-fr.hyp.fr"), "--ref", fixture("en-fr.ref.fr"), "--metrics", "chrf",
               "--signature"},
              tmp.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string chrf = want.at("chrf").at("formatted").get<std::string>();  // "chrF2 = 81.34"
  EXPECT_EQ(r.out, "chrF2|" + want.at("chrf").at("signature").get<std::string>() + chrf.substr(5) + "\n");
}

TEST(ScoreCommand, JsonWithTwoReferences) {
  TempDir tmp;
  const auto want = expected_set("de-en-2refs");
  auto r = run_s2s({"score", "--hyp", fixture("de-en.hyp.en"), "--ref", fixture("de-en.ref1.en"), "--ref",
                    fixture("de-en.ref2.en"), "--json"},
                   tmp.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("segments").get<int>(), 40);
  EXPECT_EQ(j.at("refs").size(), 2u);
  const auto& b = j.at("bleu");
  const auto& wb = want.at("bleu");
  EXPECT_NEAR(b.at("score").get<double>(), wb.at("score").get<double>(), 1e-9 * wb.at("score").get<double>());
  EXPECT_EQ(b.at("counts"), wb.at("counts"));
  EXPECT_EQ(b.at("totals"), wb.at("totals"));
  EXPECT_EQ(b.at("sys_len"), wb.at("sys_len"));
  EXPECT_EQ(b.at("ref_len"), wb.at("ref_len"));
  EXPECT_EQ(b.at("signature"), wb.at("signature"));  // nrefs:2|...
  EXPECT_EQ(b.at("formatted"), wb.at("formatted"));
  const auto& wc = want.at("chrf");
  EXPECT_NEAR(j.at("chrf").at("score").get<double>(), wc.at("score").get<double>(), 1e-9 * wc.at("score").get<double>());
  EXPECT_EQ(j.at("chrf").at("signature"), wc.at("signature"));
}

TEST(ScoreCommand, Errors) {
  TempDir tmp;
  auto r = run_s2s({"score", "--hyp", tmp / "missing.txt", "--ref", fixture("low.ref")}, tmp.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.txt"));
  EXPECT_EQ(r.out, "");

  // low.* has 8 lines; nomatch.ref has 3.
  r = run_s2s({"score", "--hyp", fixture("low.hyp"), "--ref", fixture("low.ref"), "--ref", fixture("nomatch.ref")},
              tmp.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("low.hyp has 8 lines"), HasSubstr("nomatch.ref has 3")));
  EXPECT_EQ(r.out, "");

  r = run_s2s({"score", "--hyp", fixture("low.hyp"), "--ref", fixture("low.ref"), "--metrics", "bleu,ter"}, tmp.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("unknown metric 'ter'"));

  write_file(tmp / "empty.txt", "");
  r = run_s2s({"score", "--hyp", tmp / "empty.txt", "--ref", tmp / "empty.txt"}, tmp.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("empty.txt has no lines"));

  r = run_s2s({"score", "--hyp", fixture("low.hyp")}, tmp.path());  // --ref is required
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace s2s::itest
