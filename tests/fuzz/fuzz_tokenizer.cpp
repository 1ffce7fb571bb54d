// Fuzz target: the basic and space tokenizers (src/data/tokenizer.cpp) on arbitrary bytes, with
// and without digit normalisation. Beyond "no crash", each result is checked against the rules
// (tokenizer.h), computed here independently of the tokenizer's loop:
//   - no token is empty or contains ASCII whitespace;
//   - the tokens, concatenated, are the input with its whitespace removed (digits as '0' when
//     normalising), so nothing is lost or duplicated;
//   - space: no token is split further; basic: a punctuation byte of ([.,!?"':;)(]) is a token
//     of its own, and no other token contains one.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "s2s/data/tokenizer.h"

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool is_punct(char c) { return std::string_view(".,!?\"':;)(").find(c) != std::string_view::npos; }

void check(std::string_view line, s2s::data::TokenizerKind kind, bool digits, s2s::data::Tokens& tokens) {
  s2s::data::TokenizerOptions opt{kind, digits};
  s2s::data::tokenize(line, opt, tokens);
  std::string expected_bytes;
  for (char c : line) {
    if (is_space(c)) continue;
    expected_bytes.push_back(digits && c >= '0' && c <= '9' ? '0' : c);
  }
  std::string joined;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string_view t = tokens[i];
    if (t.empty()) s2s::fuzz::property_failed("empty token");
    for (char c : t) {
      if (is_space(c)) s2s::fuzz::property_failed("token with whitespace");
      if (kind == s2s::data::TokenizerKind::Basic && is_punct(c) && t.size() != 1)
        s2s::fuzz::property_failed("basic tokenizer left punctuation inside token '" + std::string(t) + "'");
    }
    joined += t;
  }
  if (joined != expected_bytes) s2s::fuzz::property_failed("tokens do not concatenate to the input without whitespace");
  if (kind == s2s::data::TokenizerKind::Space) {  // one token per maximal run of non-whitespace
    std::size_t runs = 0;
    for (std::size_t i = 0; i < line.size(); ++i)
      if (!is_space(line[i]) && (i == 0 || is_space(line[i - 1]))) ++runs;
    if (runs != tokens.size()) s2s::fuzz::property_failed("space tokenizer: token count differs from whitespace runs");
  }
  // The vector form gives the same tokens.
  auto v = s2s::data::tokenize(line, opt);
  if (v.size() != tokens.size()) s2s::fuzz::property_failed("vector and Tokens forms differ in length");
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != tokens[i]) s2s::fuzz::property_failed("vector and Tokens forms differ");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  s2s::data::Tokens tokens;  // reused across calls, as prepare does
  for (auto kind : {s2s::data::TokenizerKind::Basic, s2s::data::TokenizerKind::Space})
    for (bool digits : {true, false}) check(line, kind, digits, tokens);
  return 0;
}
