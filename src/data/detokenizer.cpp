// Owns: the detokenizer's rules (see the header): one pass marks which tokens attach to the one
// before them, a second writes the line.
#include "s2s/data/detokenizer.h"

#include <vector>

namespace s2s::data {
namespace {

bool is_punctuation_token(std::string_view t) { return t.size() == 1 && is_basic_punctuation(t[0]); }
bool is_word_token(std::string_view t) { return !t.empty() && !is_punctuation_token(t); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool ends_with_digit(std::string_view t) { return !t.empty() && is_digit(t.back()); }
bool starts_with_digit(std::string_view t) { return !t.empty() && is_digit(t.front()); }

template <class Token>
std::string detokenize_tokens(std::span<const Token> tokens, TokenizerKind kind) {
  const std::size_t n = tokens.size();
  auto tok = [&](std::size_t i) { return std::string_view(tokens[i]); };
  // glue[i]: no space between token i - 1 and token i (glue[0] and glue[n] are never read).
  std::vector<char> glue(n + 1, 0);
  if (kind == TokenizerKind::Basic) {
    std::size_t quotes = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string_view t = tok(i);
      if (!is_punctuation_token(t)) continue;
      const bool prev_word = i > 0 && is_word_token(tok(i - 1));
      const bool next_word = i + 1 < n && is_word_token(tok(i + 1));
      switch (t[0]) {
        case '.': case ',': case ':':
          if (i > 0 && i + 1 < n && ends_with_digit(tok(i - 1)) && starts_with_digit(tok(i + 1))) {
            glue[i] = glue[i + 1] = 1;  // rule 5: a number
            break;
          }
          glue[i] = 1;  // rule 1
          break;
        case '!': case '?': case ';': case ')':
          glue[i] = 1;  // rule 1
          break;
        case '(':
          glue[i + 1] = 1;  // rule 2
          break;
        case '"':
          (quotes++ % 2 == 0 ? glue[i + 1] : glue[i]) = 1;  // rule 3: opening, closing
          break;
        case '\'':
          if (prev_word && next_word)
            glue[i] = glue[i + 1] = 1;  // rule 4: inside a word
          else if (next_word)
            glue[i + 1] = 1;
          else
            glue[i] = 1;
          break;
      }
    }
  }
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && !glue[i]) out += ' ';
    out += tok(i);
  }
  return out;
}

}  // namespace

std::string detokenize(std::span<const std::string_view> tokens, TokenizerKind kind) {
  return detokenize_tokens(tokens, kind);
}

std::string detokenize(std::span<const std::string> tokens, TokenizerKind kind) {
  return detokenize_tokens(tokens, kind);
}

}  // namespace s2s::data
