// Python str semantics on UTF-8 bytes: expected values are what Python 3 gives for the same
// strings ("a\u00a0b".split() == ['a', 'b'], "x\u200by".split() == ['x\u200by'], ...).
#include <gtest/gtest.h>

#include "s2s/score/unicode_text.h"

namespace s2s::score {
namespace {

using Words = std::vector<std::string_view>;

TEST(UnicodeText, SplitsAtPythonWhitespace) {
  EXPECT_EQ(split_python_whitespace("  a  b\tc\r\n"), (Words{"a", "b", "c"}));
  EXPECT_EQ(split_python_whitespace("non\u00a0breaking"), (Words{"non", "breaking"}));      // U+00A0
  EXPECT_EQ(split_python_whitespace("1\u202f000"), (Words{"1", "000"}));                   // U+202F
  EXPECT_EQ(split_python_whitespace("a\u3000b\u2009c\u0085d\x1f" "e"), (Words{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(split_python_whitespace("zero\u200bwidth"), (Words{"zero\u200bwidth"}));      // not space
  EXPECT_EQ(split_python_whitespace("caf\u00e9 \u00e0"), (Words{"caf\u00e9", "\u00e0"}));
  EXPECT_TRUE(split_python_whitespace("").empty());
  EXPECT_TRUE(split_python_whitespace(" \u00a0\t").empty());
}

TEST(UnicodeText, RstripAndRemove) {
  EXPECT_EQ(rstrip_python_whitespace("a b \t\r\u00a0"), "a b");
  EXPECT_EQ(rstrip_python_whitespace("  a"), "  a");
  EXPECT_EQ(rstrip_python_whitespace("\u3000"), "");
  EXPECT_EQ(remove_python_whitespace(" a b\u00a0c\u200bd "), "abc\u200bd");
}

TEST(UnicodeText, CodePoints) {
  // "é" is 2 bytes, "€" 3, "😀" 4.
  EXPECT_EQ(code_point_offsets("a\u00e9\u20ac\U0001F600"), (std::vector<std::size_t>{0, 1, 3, 6, 10}));
  EXPECT_EQ(code_point_offsets(""), (std::vector<std::size_t>{0}));
}

TEST(UnicodeText, InvalidBytesAreSingleCharacters) {
  // A stray continuation byte, a truncated 3-byte sequence, an overlong '/' (C0 AF), a surrogate.
  const std::string bad = "\x80" "a" "\xE2\x82" "b" "\xC0\xAF" "\xED\xA0\x80";
  EXPECT_EQ(code_point_offsets(bad).size() - 1, bad.size());
  EXPECT_EQ(split_python_whitespace(bad).size(), 1u);
  // A broken sequence ending in 0xA0 is not U+00A0.
  EXPECT_EQ(split_python_whitespace("x\xA0y").size(), 1u);
}

}  // namespace
}  // namespace s2s::score
