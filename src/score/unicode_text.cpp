// Owns: Python-compatible whitespace and code-point handling of UTF-8 bytes (see the header).
#include "s2s/score/unicode_text.h"

#include <cstdint>

namespace s2s::score {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The code point of a well-formed sequence of `len` bytes at `p` (len from utf8_char_length > 1).
std::uint32_t decode(const unsigned char* p, std::size_t len) {
  if (len == 2) return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
  if (len == 3) return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
  return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
}

bool is_space_code_point(std::uint32_t c) {
  // Every code point for which CPython's str.isspace() is true: Unicode White_Space, plus
  // U+001C..U+001F, which Python counts as space for their bidirectional class.
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

}  // namespace

std::size_t utf8_char_length(std::string_view text, std::size_t pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  const std::size_t left = text.size() - pos;
  const unsigned char c = p[0];
  std::size_t len = 1;
  std::uint32_t min_value = 0;
  if (c >= 0xC2 && c <= 0xDF) len = 2, min_value = 0x80;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, min_value = 0x800;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, min_value = 0x10000;
  else return 1;  // ASCII, a stray continuation byte, or a byte that never starts UTF-8
  if (len > left) return 1;
  for (std::size_t k = 1; k < len; ++k)
    if (!is_continuation(p[k])) return 1;
  const std::uint32_t cp = decode(p, len);
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8: treat the lead byte alone.
  if (cp < min_value || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 1;
  return len;
}

bool is_python_space(std::string_view text, std::size_t pos, std::size_t len) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  if (len == 1) return p[0] < 0x80 && is_space_code_point(p[0]);
  return is_space_code_point(decode(p, len));
}

std::vector<std::string_view> split_python_whitespace(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t start = 0, pos = 0;
  bool in_word = false;
  while (pos < line.size()) {
    const std::size_t len = utf8_char_length(line, pos);
    if (is_python_space(line, pos, len)) {
      if (in_word) words.push_back(line.substr(start, pos - start));
      in_word = false;
    } else if (!in_word) {
      start = pos;
      in_word = true;
    }
    pos += len;
  }
  if (in_word) words.push_back(line.substr(start));
  return words;
}

std::string_view rstrip_python_whitespace(std::string_view line) {
  std::size_t end = 0, pos = 0;  // end: one past the last non-space code point
  while (pos < line.size()) {
    const std::size_t len = utf8_char_length(line, pos);
    if (!is_python_space(line, pos, len)) end = pos + len;
    pos += len;
  }
  return line.substr(0, end);
}

std::string remove_python_whitespace(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (std::size_t pos = 0; pos < line.size();) {
    const std::size_t len = utf8_char_length(line, pos);
    if (!is_python_space(line, pos, len)) out.append(line.substr(pos, len));
    pos += len;
  }
  return out;
}

std::vector<std::size_t> code_point_offsets(std::string_view text) {
  std::vector<std::size_t> offsets;
  offsets.reserve(text.size() + 1);
  for (std::size_t pos = 0; pos < text.size(); pos += utf8_char_length(text, pos)) offsets.push_back(pos);
  offsets.push_back(text.size());
  return offsets;
}

}  // namespace s2s::score
