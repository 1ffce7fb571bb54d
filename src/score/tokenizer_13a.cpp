// Owns: sacrebleu's 13a tokenizer (see the header for the exact steps).
#include "s2s/score/tokenizer_13a.h"

#include "s2s/score/unicode_text.h"

namespace s2s::score {
namespace {

// Python's str.replace(from, to): every non-overlapping occurrence, left to right.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (std::size_t hit; (hit = text.find(from, pos)) != std::string_view::npos; pos = hit + from.size()) {
    out.append(text.substr(pos, hit - pos));
    out.append(to);
  }
  out.append(text.substr(pos));
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_period_or_comma(char c) { return c == '.' || c == ','; }

// The character class of the first substitution: { | } ~  [ \ ] ^ _ `  space ! " # $ % &
// ( ) * +  : ; < = > ? @  /  (the ranges {-~, [-`, space-&, (-+, :-@ and '/').
bool is_split_punctuation(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) ||
         (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == '/';
}

// re.sub(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])', r' \1 ', s)
std::string pad_punctuation(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) {
    if (is_split_punctuation(c)) {
      out += ' ';
      out += c;
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// re.sub for a two-character pattern (first, second) -> `first_repl` ... : the scan moves past a
// whole match, so matches never overlap (as in Python's re.sub).
template <class MatchFirst, class MatchSecond, class Emit>
std::string substitute_pairs(std::string_view s, MatchFirst first, MatchSecond second, Emit emit) {
  std::string out;
  out.reserve(s.size() * 2);
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && first(s[i]) && second(s[i + 1])) {
      emit(out, s[i], s[i + 1]);
      i += 2;
    } else {
      out += s[i];
      i += 1;
    }
  }
  return out;
}

}  // namespace

std::string tokenize_13a(std::string_view input) {
  std::string line = replace_all(input, "<skipped>", "");
  line = replace_all(line, "-\n", "");
  line = replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    line = replace_all(line, "&quot;", "\"");
    line = replace_all(line, "&amp;", "&");
    line = replace_all(line, "&lt;", "<");
    line = replace_all(line, "&gt;", ">");
  }
  line = pad_punctuation(" " + line + " ");
  auto not_digit = [](char c) { return !is_digit(c); };
  line = substitute_pairs(line, not_digit, is_period_or_comma, [](std::string& out, char a, char b) {
    out += a, out += ' ', out += b, out += ' ';  // r'\1 \2 '
  });
  line = substitute_pairs(line, is_period_or_comma, not_digit, [](std::string& out, char a, char b) {
    out += ' ', out += a, out += ' ', out += b;  // r' \1 \2'
  });
  line = substitute_pairs(line, is_digit, [](char c) { return c == '-'; }, [](std::string& out, char a, char b) {
    out += a, out += ' ', out += b, out += ' ';  // r'\1 \2 '
  });
  std::string out;
  out.reserve(line.size());
  for (std::string_view word : split_python_whitespace(line)) {
    if (!out.empty()) out += ' ';
    out.append(word);
  }
  return out;
}

}  // namespace s2s::score
