// sacrebleu's 13a tokenizer, by hand-worked cases (each traced through the four regexes of
// sacrebleu/tokenizers/tokenizer_re.py by hand). The fixture-wide agreement with sacrebleu's own
// tokenizer is in test_sacrebleu_agreement.cpp.
#include <gtest/gtest.h>

#include "s2s/score/tokenizer_13a.h"

namespace s2s::score {
namespace {

TEST(Tokenizer13a, Punctuation) {
  EXPECT_EQ(tokenize_13a("Hello, world!"), "Hello , world !");
  EXPECT_EQ(tokenize_13a("(see p. 5)"), "( see p . 5 )");
  EXPECT_EQ(tokenize_13a("a/b:c;d?e@f"), "a / b : c ; d ? e @ f");
  EXPECT_EQ(tokenize_13a("{[x]}~`^_|\\"), "{ [ x ] } ~ ` ^ _ | \\");
  // Apostrophes and hyphens between letters stay; ' - are outside the first character class.
  EXPECT_EQ(tokenize_13a("don't l'homme well-known"), "don't l'homme well-known");
}

TEST(Tokenizer13a, PeriodsCommasAndDigits) {
  // Kept inside numbers, split elsewhere (the padding spaces let a final '.' split).
  EXPECT_EQ(tokenize_13a("It costs $3.50, not 3,5."), "It costs $ 3.50 , not 3,5 .");
  EXPECT_EQ(tokenize_13a("a.b,c"), "a . b , c");
  EXPECT_EQ(tokenize_13a("x.5"), "x . 5");   // ([^0-9])([.,]) fires, then nothing else
  EXPECT_EQ(tokenize_13a("5.x"), "5 . x");   // ([.,])([^0-9]) fires
  EXPECT_EQ(tokenize_13a("1.000,50"), "1.000,50");
  EXPECT_EQ(tokenize_13a("..."), ". . .");
  // A dash is split only after a digit.
  EXPECT_EQ(tokenize_13a("5-3 A-B a-1"), "5 - 3 A-B a-1");
  EXPECT_EQ(tokenize_13a("1--2"), "1 - -2");  // the second '-' follows '-', not a digit
}

TEST(Tokenizer13a, NonOverlappingSubstitutions) {
  // "a.." : the first '.' is consumed by the match "a.", so the second '.' is only split off by
  // the third regex ('.' before the padding space).
  EXPECT_EQ(tokenize_13a("a.."), "a . .");
  // ",," between digits: "1," is not a match (digit first); ",," matches ([^0-9])([.,]).
  EXPECT_EQ(tokenize_13a("1,,2"), "1 , , 2");
}

TEST(Tokenizer13a, EntitiesAndSkipped) {
  EXPECT_EQ(tokenize_13a("&quot;x&quot; &amp;lt; &gt;"), "\" x \" < >");
  EXPECT_EQ(tokenize_13a("&AMP; &amp;amp;"), "& AMP ; & amp ;");
  EXPECT_EQ(tokenize_13a("a <skipped> b<skipped>c"), "a bc");  // removed, not replaced by a space
  EXPECT_EQ(tokenize_13a("line-\nbreak\nnext"), "linebreak next");
}

TEST(Tokenizer13a, UnicodeAndWhitespace) {
  EXPECT_EQ(tokenize_13a("caf\u00e9."), "caf\u00e9 .");
  EXPECT_EQ(tokenize_13a("\u00abOui\u00bb"), "\u00abOui\u00bb");  // non-ASCII punctuation is not split
  EXPECT_EQ(tokenize_13a("d\u00e9clar\u00e9\u00a0: \u00ab\u00a0Non\u00a0\u00bb"), "d\u00e9clar\u00e9 : \u00ab Non \u00bb");
  EXPECT_EQ(tokenize_13a("\u6b27\u6d32\u3002"), "\u6b27\u6d32\u3002");
  EXPECT_EQ(tokenize_13a("\U0001F389,x"), "\U0001F389 , x");
  EXPECT_EQ(tokenize_13a("  \t "), "");
  EXPECT_EQ(tokenize_13a(""), "");
}

}  // namespace
}  // namespace s2s::score
