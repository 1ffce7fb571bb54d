#pragma once
// Owns: the few pieces of Python's str semantics that sacrebleu's BLEU and chrF rely on, applied
// to UTF-8 bytes: what counts as whitespace (str.isspace: str.split() / str.rstrip()), and the
// split of a byte string into code points (chrF's character n-grams are code-point n-grams).
// Why here: equality with sacrebleu depends on these details, e.g. a French no-break space
// (U+00A0, U+202F) separates words for sacrebleu because Python's str.split() treats it as space.
// Invalid UTF-8 (which sacrebleu refuses to read) is handled byte by byte: each byte of a broken
// sequence is its own code point and is never whitespace.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace s2s::score {

// Length in bytes of the code point starting at text[pos] (1 for ASCII and for invalid bytes).
std::size_t utf8_char_length(std::string_view text, std::size_t pos);
// True when text[pos..pos+len) is a whitespace code point in Python's sense (str.isspace): ASCII
// \t \n \v \f \r, U+001C..U+001F, space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
// U+202F, U+205F, U+3000.
bool is_python_space(std::string_view text, std::size_t pos, std::size_t len);

// Python's `line.split()`: the words between runs of whitespace.
std::vector<std::string_view> split_python_whitespace(std::string_view line);
// Python's `line.rstrip()`.
std::string_view rstrip_python_whitespace(std::string_view line);
// Python's `''.join(line.split())`: the line with all whitespace removed.
std::string remove_python_whitespace(std::string_view line);
// Byte offsets of the code points of `text`, plus text.size() at the end (size = code points + 1).
std::vector<std::size_t> code_point_offsets(std::string_view text);

}  // namespace s2s::score
