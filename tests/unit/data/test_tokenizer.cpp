// Tokenizer on hand-worked cases of translate's basic_tokenizer (re.split with the capturing
// class [.,!?"':;)(], bytes semantics) and digit normalisation.
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/data/tokenizer.h"
#include "s2s/data/utf8.h"

using namespace s2s::data;
using V = std::vector<std::string>;

TEST(Tokenizer, BasicSplitsPunctuation) {
  EXPECT_EQ(tokenize("don't"), (V{"don", "'", "t"}));
  EXPECT_EQ(tokenize("Hello, world!"), (V{"Hello", ",", "world", "!"}));
  EXPECT_EQ(tokenize("  (a)b.\"c\";d:e? \t"), (V{"(", "a", ")", "b", ".", "\"", "c", "\"", ";", "d", ":", "e", "?"}));
  EXPECT_EQ(tokenize("..."), (V{".", ".", "."}));
  EXPECT_EQ(tokenize("a-b/c"), (V{"a-b/c"}));  // '-' and '/' are not in the class
  EXPECT_EQ(tokenize("Case Kept"), (V{"Case", "Kept"}));
}

TEST(Tokenizer, WhitespaceIsAsciiOnly) {
  EXPECT_EQ(tokenize("a\tb\r\n c\x0b" "d\x0c" "e"), (V{"a", "b", "c", "d", "e"}));
  EXPECT_TRUE(tokenize("   \t\r ").empty());
  EXPECT_TRUE(tokenize("").empty());
  // U+00A0 (no-break space, C2 A0) is not whitespace for a bytes split.
  EXPECT_EQ(tokenize("a\xc2\xa0" "b"), (V{"a\xc2\xa0" "b"}));
  EXPECT_EQ(tokenize("größe über"), (V{"größe", "über"}));
}

TEST(Tokenizer, DigitNormalisation) {
  EXPECT_EQ(tokenize("I have 12 cats, 3.5 kg"), (V{"I", "have", "00", "cats", ",", "0", ".", "0", "kg"}));
  TokenizerOptions keep;
  keep.normalize_digits = false;
  EXPECT_EQ(tokenize("12 cats", keep), (V{"12", "cats"}));
  // Only ASCII digits: Arabic-Indic digit one (U+0661, D9 A1) stays.
  EXPECT_EQ(tokenize("\xd9\xa1" "7"), (V{"\xd9\xa1" "0"}));
}

TEST(Tokenizer, SpaceTokenizerKeepsPunctuation) {
  TokenizerOptions space{TokenizerKind::Space, true};
  EXPECT_EQ(tokenize("don't stop, 42!", space), (V{"don't", "stop,", "00!"}));
  EXPECT_EQ(tokenizer_from_name("space"), TokenizerKind::Space);
  EXPECT_EQ(tokenizer_name(TokenizerKind::Basic), "basic");
  EXPECT_THROW(tokenizer_from_name("moses"), s2s::Error);
}

TEST(Tokenizer, ReusableBufferGivesSameTokens) {
  Tokens t;
  tokenize("first line, long", {}, t);
  tokenize("x", {}, t);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0], "x");
}

TEST(Utf8, ValidAndInvalidSequences) {
  const auto npos = std::string_view::npos;
  EXPECT_EQ(find_invalid_utf8("plain ascii text, long enough for words"), npos);
  EXPECT_EQ(find_invalid_utf8("größe ✓ 名前 \xf0\x9f\x98\x80"), npos);  // 2, 3 and 4-byte forms
  EXPECT_EQ(find_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(find_invalid_utf8("abcdefghij\x80"), 10u);          // lone continuation byte
  EXPECT_EQ(find_invalid_utf8("\xc0\xaf"), 0u);                  // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xe0\x80\xaf"), 0u);              // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("x\xed\xa0\x80"), 1u);             // UTF-16 surrogate D800
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);          // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ok \xe2\x9c"), 3u);               // truncated sequence
  EXPECT_EQ(find_invalid_utf8(std::string_view("a\0b", 3)), npos);  // NUL is valid UTF-8
}
