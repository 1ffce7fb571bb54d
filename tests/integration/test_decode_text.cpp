// Owns: what `s2s decode` writes on a text corpus with punctuation: detokenised text by default,
// translate's space-joined tokens with --tokenized, and the option checks of --bucket-rule.
// The model memorises twelve English -> French pairs (each repeated in the training file) whose
// French side is written in the detokenizer's canonical spacing (apostrophes inside words,
// punctuation attached, quotes hugging their words, no French spaces before ? ! : ;). For every
// line the default output must re-tokenise to the --tokenized output's tokens; for every line the
// model got right (its tokens are the reference's), the default output must be the hand-written
// French sentence itself, character for character.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::HasSubstr;

struct Pair {
  const char* en;
  const char* fr;
};
// Digits would be normalised to 0 (the default): the references have none.
const Pair kPairs[] = {
    {"I don't know.", "Je ne sais pas."},
    {"Where is the station?", "Où est la gare?"},
    {"It's late, let's go!", "Il est tard, allons-y!"},
    {"The man is here.", "L'homme est ici."},
    {"He said: \"Come in.\"", "Il a dit: \"Entrez.\""},
    {"Today (not tomorrow).", "Aujourd'hui (pas demain)."},
    {"What's your name?", "Comment t'appelles-tu?"},
    {"She isn't there; he is.", "Elle n'est pas là; lui, si."},
    {"The economy, they say, is growing.", "L'économie, dit-on, progresse."},
    {"Why not?", "Pourquoi pas?"},
    {"I love you.", "Je t'aime."},
    {"Until now, nothing.", "Jusqu'à présent, rien."},
};

// translate's basic tokenizer, written out here independently: split on whitespace, then around
// each of . , ! ? " ' : ; ) (.
std::vector<std::string> basic_tokens(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream words(line);
  for (std::string w; words >> w;) {
    std::string piece;
    for (char c : w) {
      if (std::string(".,!?\"':;)(").find(c) != std::string::npos) {
        if (!piece.empty()) out.push_back(piece);
        out.push_back(std::string(1, c));
        piece.clear();
      } else {
        piece += c;
      }
    }
    if (!piece.empty()) out.push_back(piece);
  }
  return out;
}

std::vector<std::string> space_split(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream words(line);
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

class DecodeText : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    std::string src, tgt, in;
    for (int repeat = 0; repeat < 16; ++repeat)
      for (const Pair& p : kPairs) src += std::string(p.en) + "\n", tgt += std::string(p.fr) + "\n";
    for (const Pair& p : kPairs) in += std::string(p.en) + "\n";
    write_file(*tmp_ / "train.en", src);
    write_file(*tmp_ / "train.fr", tgt);
    write_file(*tmp_ / "in.en", in);
    const std::string data = *tmp_ / "text.h5";
    dir_ = *tmp_ / "train";
    auto r = run_s2s({"prepare", "--source", *tmp_ / "train.en", "--target", *tmp_ / "train.fr", "--buckets",
                      "10,15:20,25", "-o", data, "--force", "--quiet"},
                     tmp_->path());
    ASSERT_EQ(r.code, 0) << r.err;
    r = run_s2s({"train", "--config", source_dir() + "/configs/quickstart.yaml", "--set", "data.dataset=" + data,
                 "--set", "data.buckets=[[10,15],[20,25]]", "--set", "train.train_dir=" + dir_, "--set",
                 "train.max_steps=300", "--set", "train.steps_per_checkpoint=300", "--set", "train.log_every=0"},
                tmp_->path(), 120);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete tmp_; }
  static inline TempDir* tmp_ = nullptr;
  static inline std::string dir_;
};

TEST_F(DecodeText, DetokenisedByDefaultTokenizedOnRequest) {
  const std::string in = *tmp_ / "in.en";
  auto text = run_s2s({"decode", "--checkpoint", dir_, "-i", in}, tmp_->path());
  ASSERT_EQ(text.code, 0) << text.err;
  auto tokens = run_s2s({"decode", "--checkpoint", dir_, "-i", in, "--tokenized"}, tmp_->path());
  ASSERT_EQ(tokens.code, 0) << tokens.err;
  const auto a = lines_of(text.out), b = lines_of(tokens.out);
  const std::size_t n = std::size(kPairs);
  ASSERT_EQ(a.size(), n) << text.out;
  ASSERT_EQ(b.size(), n) << tokens.out;
  int memorised = 0;
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE(std::string("line ") + std::to_string(i + 1) + ": " + kPairs[i].en);
    EXPECT_EQ(basic_tokens(a[i]), space_split(b[i])) << "'" << a[i] << "' vs '" << b[i] << "'";
    if (space_split(b[i]) == basic_tokens(kPairs[i].fr)) {
      ++memorised;
      EXPECT_EQ(a[i], kPairs[i].fr);
    }
  }
  std::printf("[decode-text] %d of %zu pairs memorised; e.g. '%s' / '%s'\n", memorised, n, a[0].c_str(),
              b[0].c_str());
  EXPECT_GE(memorised, 9) << "the model did not learn its pairs: the exact checks above saw too few lines";
}

TEST_F(DecodeText, BucketRuleOption) {
  const std::string in = *tmp_ / "in.en";
  auto r = run_s2s({"decode", "--checkpoint", dir_, "-i", in, "--bucket-rule", "translate"}, tmp_->path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), std::size(kPairs));
  r = run_s2s({"decode", "--checkpoint", dir_, "-i", in, "--bucket-rule", "strict"}, tmp_->path());
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("--bucket-rule"));
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace s2s::itest
