// Detokenizer: each rule on hand-written token lists with hand-written expected text; then
// round trips over real-looking English and French sentences written in natural form:
//  - canonical spacing (no space before . , ! ? : ; ) or after (, quotes hugging what they quote,
//    apostrophes inside words): detokenize(tokenize(s)) == s, with and without digit normalisation
//    (with it, the expected text is s with every digit written 0 by hand);
//  - other spacing (French typography, single quotes, abbreviations): the canonical text is written
//    out by hand, and tokenize(detokenize(tokenize(s))) == tokenize(s);
//  - random token sequences of the shapes the basic tokenizer produces: re-tokenising gives them back.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "s2s/core/philox.h"
#include "s2s/data/detokenizer.h"
#include "s2s/data/tokenizer.h"

using namespace s2s::data;
using V = std::vector<std::string>;

namespace {
std::string detok(const V& tokens) { return detokenize(std::span<const std::string>(tokens)); }
TokenizerOptions keep_digits() { return {TokenizerKind::Basic, false}; }
}  // namespace

TEST(Detokenizer, ClosingPunctuationAttachesLeft) {
  EXPECT_EQ(detok({"Hello", ",", "world", "!"}), "Hello, world!");
  EXPECT_EQ(detok({"Why", "?", "Because", "."}), "Why? Because.");
  EXPECT_EQ(detok({"note", ":", "a", ";", "b"}), "note: a; b");
  EXPECT_EQ(detok({"Wait", ".", ".", ".", "what", "?", "!"}), "Wait... what?!");
  EXPECT_EQ(detok({"a", ")", "b"}), "a) b");
  EXPECT_EQ(detok({".", "a"}), ". a");  // nothing before: nothing to attach to
}

TEST(Detokenizer, OpeningParenthesisAttachesRight) {
  EXPECT_EQ(detok({"a", "(", "b", ")", "c"}), "a (b) c");
  EXPECT_EQ(detok({"(", "(", "nested", ")", ")"}), "((nested))");
  EXPECT_EQ(detok({"end", "("}), "end (");
}

TEST(Detokenizer, DoubleQuotesAlternate) {
  EXPECT_EQ(detok({"He", "said", "\"", "yes", "\"", "."}), "He said \"yes\".");
  EXPECT_EQ(detok({"\"", "a", "\"", "and", "\"", "b", "c", "\""}), "\"a\" and \"b c\"");
  EXPECT_EQ(detok({"(", "\"", "x", "\"", ")"}), "(\"x\")");
  EXPECT_EQ(detok({"\"", "Why", "?", "\"", "he", "asked"}), "\"Why?\" he asked");
  EXPECT_EQ(detok({"odd", "\"", "one"}), "odd \"one");  // unbalanced: the first one still opens
  EXPECT_EQ(detok({"a", "\"", "b", "\"", "c", "\"", "d"}), "a \"b\" c \"d");
}

TEST(Detokenizer, ApostrophesInsideWordsJoinBothSides) {
  EXPECT_EQ(detok({"don", "'", "t"}), "don't");
  EXPECT_EQ(detok({"it", "'", "s", "fine"}), "it's fine");
  EXPECT_EQ(detok({"l", "'", "homme"}), "l'homme");
  EXPECT_EQ(detok({"aujourd", "'", "hui"}), "aujourd'hui");
  EXPECT_EQ(detok({"rock", "'", "n", "'", "roll"}), "rock'n'roll");
  EXPECT_EQ(detok({"the", "00", "'", "s"}), "the 00's");  // digits are words
}

TEST(Detokenizer, OtherApostrophesAttachToTheirWord) {
  EXPECT_EQ(detok({"'", "Tis", "so"}), "'Tis so");                      // nothing before: opens
  EXPECT_EQ(detok({"said", ":", "'", "hello", "'"}), "said: 'hello'");  // after punctuation: opens
  EXPECT_EQ(detok({"no", ".", "'"}), "no.'");                          // nothing after a word: closes
  EXPECT_EQ(detok({"the", "students", "'", "."}), "the students'.");
  EXPECT_EQ(detok({"'"}), "'");
}

TEST(Detokenizer, NumbersComeBackWhole) {
  EXPECT_EQ(detok({"0", ".", "0", "km"}), "0.0 km");
  EXPECT_EQ(detok({"0", ",", "000", "people"}), "0,000 people");
  EXPECT_EQ(detok({"at", "00", ":", "00", "."}), "at 00:00.");
  EXPECT_EQ(detok({"0", ".", "0%"}), "0.0%");
  EXPECT_EQ(detok({"$0", ",", "000", ".", "00"}), "$0,000.00");
  EXPECT_EQ(detok({"in", "0000", ".", "Then"}), "in 0000. Then");  // a word after: an ordinary full stop
  EXPECT_EQ(detok({"0", "!", "0"}), "0! 0");                         // only . , : join numbers
}

TEST(Detokenizer, SpecialsPrintAsTheyAre) {
  EXPECT_EQ(detok({"the", "_UNK", ",", "_EOS"}), "the _UNK, _EOS");
  EXPECT_EQ(detok({"_UNK", "'", "s", "_UNK", "."}), "_UNK's _UNK.");
  EXPECT_EQ(detok({"_PAD", "_GO"}), "_PAD _GO");
}

TEST(Detokenizer, EmptyAndSpaceTokenizer) {
  EXPECT_EQ(detok({}), "");
  const V tokens = {"don't", "stop", ",", "(now)", "."};
  EXPECT_EQ(detokenize(std::span<const std::string>(tokens), TokenizerKind::Space), "don't stop , (now) .");
  const std::vector<std::string_view> views = {"a", ",", "b"};
  EXPECT_EQ(detokenize(std::span<const std::string_view>(views)), "a, b");
}

// Sentences whose spacing already is the canonical one: they come back exactly.
const std::vector<std::string> kCanonicalEnglish = {
    "I don't know what you're talking about.",
    "It's a beautiful day, isn't it?",
    "She said: \"Come here!\" and left.",
    "The results (see Table 2) were clear.",
    "We'll meet at 10:30; don't be late!",
    "The price rose to 3.5 million dollars, up from 2,000.",
    "\"Why?\" he asked.",
    "I've been there (twice, actually).",
    "Well... that's odd!",
    "The 1990's were different.",
    "He told me: 'It's fine.'",
    "Who is the president?",
    "Inflation reached 2.7% in March, the highest since 2008.",
    "They're ready; we aren't.",
    "The committee (which met on Tuesday) said: \"We won't wait.\"",
    "You can't have it both ways, can you?",
    "Shares fell 4.25% to $1,234.50 at 16:45.",
    "Mr. Smith's dog wasn't there.",
};

const std::vector<std::string> kCanonicalFrench = {
    "L'homme qu'il a vu aujourd'hui n'est pas là.",
    "C'est l'heure de partir, n'est-ce pas?",
    "Jusqu'à présent, l'économie a progressé de 2,5 %.",
    "Il m'a dit: « Je ne sais pas. »",
    "Qu'est-ce que c'est?",
    "Le président (élu en 2017) s'est exprimé hier.",
    "D'après lui, l'accord sera signé le 12 mai.",
    "Les « gilets jaunes » ont manifesté à Paris.",
    "\"Pourquoi pas?\" a-t-il demandé.",
    "Elle s'appelle Marie; il s'appelle Jean.",
    "Lorsqu'il est arrivé, j'étais déjà parti.",
    "Le taux est passé de 3,2 % à 4,1 % en 2019.",
};

// The same with digit normalisation (the default): every digit written 0 by hand.
const std::vector<std::pair<std::string, std::string>> kNormalisedDigits = {
    {"We'll meet at 10:30; don't be late!", "We'll meet at 00:00; don't be late!"},
    {"The price rose to 3.5 million dollars, up from 2,000.", "The price rose to 0.0 million dollars, up from 0,000."},
    {"Shares fell 4.25% to $1,234.50 at 16:45.", "Shares fell 0.00% to $0,000.00 at 00:00."},
    {"Le taux est passé de 3,2 % à 4,1 % en 2019.", "Le taux est passé de 0,0 % à 0,0 % en 0000."},
    {"The 1990's were different.", "The 0000's were different."},
};

// Other spacing: (natural sentence, the canonical text written by hand).
const std::vector<std::pair<std::string, std::string>> kNonCanonical = {
    {"Pourquoi ? Parce que !", "Pourquoi? Parce que!"},  // French typography's spaces are not restored
    {"Il a dit : « oui ».", "Il a dit: « oui »."},
    {"Attention ; la route est glissante !", "Attention; la route est glissante!"},
    {"He said 'hello' to me.", "He said'hello'to me."},  // an apostrophe between words glues
    {"The dogs' bowls were empty.", "The dogs'bowls were empty."},
    {"The U.S. economy grew.", "The U. S. economy grew."},
    {"Pick 1, 2 or 3.", "Pick 1,2 or 3."},
    {"a  ,b ( c )d", "a, b (c) d"},
    {"Je t'aime ! ( vraiment )", "Je t'aime! (vraiment)"},
    {"\" Quoted \" text", "\"Quoted\" text"},
};

TEST(Detokenizer, CanonicalSentencesComeBackExactly) {
  for (const auto* set : {&kCanonicalEnglish, &kCanonicalFrench})
    for (const std::string& s : *set) {
      const V tokens = tokenize(s, keep_digits());
      EXPECT_EQ(detok(tokens), s);
      EXPECT_EQ(tokenize(detok(tokens), keep_digits()), tokens) << s;
    }
  for (const auto& [natural, expected] : kNormalisedDigits) {
    const V tokens = tokenize(natural);  // digits normalised
    EXPECT_EQ(detok(tokens), expected);
    EXPECT_EQ(tokenize(detok(tokens)), tokens) << natural;
  }
}

TEST(Detokenizer, OtherSpacingComesBackCanonicalWithTheSameTokens) {
  for (const auto& [natural, expected] : kNonCanonical) {
    const V tokens = tokenize(natural, keep_digits());
    EXPECT_EQ(detok(tokens), expected) << natural;
    EXPECT_EQ(tokenize(detok(tokens), keep_digits()), tokens) << natural;
  }
}

// Token sequences of the basic tokenizer's shapes (single punctuation characters, words that may
// start or end with digits, specials), drawn at random: re-tokenising the text gives them back.
TEST(Detokenizer, RetokenisingRandomTokenSequencesGivesThemBack) {
  const std::vector<std::string> pieces = {".", ",", "!", "?", "\"", "'", ":", ";", ")", "(", "don", "t", "s", "l",
                                           "homme", "0", "00", "0%", "$0", "x0y", "_UNK", "_EOS", "«", "»", "-",
                                           "a-b", "é"};
  s2s::PhiloxStream rng(21, 0);
  for (int trial = 0; trial < 2000; ++trial) {
    V tokens(rng.below(12));
    for (auto& t : tokens) t = pieces[rng.below(pieces.size())];
    const std::string text = detok(tokens);
    ASSERT_EQ(tokenize(text, keep_digits()), tokens) << "'" << text << "'";
  }
}
