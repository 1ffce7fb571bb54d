// Validation's scoring path: statistics summed segment by segment (the path that is all-reduced
// over ranks) must equal score/'s corpus BLEU and chrF (checked against sacrebleu in
// tests/unit/score), and hand-worked extremes; tokens join with single spaces.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/data/dataset_file.h"
#include "s2s/data/subword.h"
#include "s2s/data/vocabulary.h"
#include "s2s/score/bleu.h"
#include "s2s/score/chrf.h"
#include "s2s/train/validation.h"

using namespace s2s::train;

TEST(Validation, ScoresEqualCorpusBleuAndChrf) {
  const std::vector<std::string> hyps = {"the cat sat on the mat", "a b c d", "_UNK , 00 .", "he said \" no \" !",
                                         ""};
  const std::vector<std::string> refs = {"the cat sat on a mat", "a b c d e", "_UNK , 00 .", "he said no !",
                                         "nothing here"};
  const ValidationScores v = score_texts(hyps, refs);
  EXPECT_DOUBLE_EQ(v.bleu, s2s::score::corpus_bleu(hyps, {refs}).score);
  EXPECT_DOUBLE_EQ(v.chrf, s2s::score::corpus_chrf(hyps, {refs}).score);
  EXPECT_EQ(v.sentences, 5);
}

TEST(Validation, PerfectAndEmptyHypotheses) {
  const std::vector<std::string> refs = {"a b c d e", "f g h i j k"};
  EXPECT_DOUBLE_EQ(score_texts(refs, refs).bleu, 100.0);
  EXPECT_DOUBLE_EQ(score_texts(refs, refs).chrf, 100.0);
  EXPECT_DOUBLE_EQ(score_texts({"", ""}, refs).bleu, 0.0);
  EXPECT_DOUBLE_EQ(score_texts({"", ""}, refs).chrf, 0.0);
  EXPECT_THROW(score_texts({"a"}, refs), s2s::Error);
}

TEST(Validation, JoinTokensWithSingleSpaces) {
  const s2s::data::Vocabulary v = s2s::data::Vocabulary::from_tokens({"_PAD", "_GO", "_EOS", "_UNK", "le", "chat", "."},
                                                                     "test");
  const std::vector<std::int32_t> ids = {4, 5, 3, 6};
  EXPECT_EQ(join_tokens(ids, v), "le chat _UNK .");
  EXPECT_EQ(join_tokens({}, v), "");
}

// With SentencePiece, validation's texts are the models' decoding (plain text that the
// translator encodes back into the same pieces), not pieces joined by spaces.
TEST(Validation, SentencePieceSidesAreDecodedText) {
  struct Lines : s2s::data::SentenceStream {
    int i = 0;
    bool next(std::string& s) override {
      static const char* kText[] = {"the cat sat on the mat", "le chat est sur le tapis"};
      if (i == 200) return false;
      s = kText[i++ % 2];
      return true;
    }
  } lines;
  s2s::data::SubwordTrainOptions o;
  o.vocab_size = 20;
  o.character_coverage = 1.0;
  auto m = s2s::data::SubwordModel::train(lines, o);
  s2s::data::TokenizerOptions t{s2s::data::TokenizerKind::SentencePiece, false, m, m};
  const auto v = s2s::data::Vocabulary::from_tokens(m->pieces(), "test");
  auto ds = s2s::data::Dataset::without_examples("test", v, v, {{10, 10}}, t);
  const auto ids = m->encode("le chat sat on the mat");
  EXPECT_EQ(side_text(ids, *ds, true), "le chat sat on the mat");
  EXPECT_EQ(side_text(ids, *ds, false), "le chat sat on the mat");
  EXPECT_EQ(m->encode(side_text(ids, *ds, true)), ids);
  EXPECT_NE(join_tokens(ids, v), "le chat sat on the mat") << "pieces joined by spaces are not the text";
}
