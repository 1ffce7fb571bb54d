#pragma once
// Owns: UTF-8 validation of input lines (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF), so a bad byte is reported with its file, line and column, not silently
// turned into tokens.
#include <cstddef>
#include <string_view>

namespace s2s::data {

// Offset of the first byte that does not start or continue a valid UTF-8 sequence, or
// std::string_view::npos when the whole text is valid.
std::size_t find_invalid_utf8(std::string_view text);

}  // namespace s2s::data
