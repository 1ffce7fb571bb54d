#pragma once
// Owns: translate's tokenizers (legacy_seq2seq.md §8), on bytes like data_utils.py:
//  - Basic: strip, split on ASCII whitespace, split each fragment on the capturing regex
//    ([.,!?"':;)(]) so punctuation becomes its own token, drop empty strings. Case is kept.
//    `don't` -> `don` `'` `t`.
//  - Space: split on ASCII whitespace only.
// Digit normalisation (default on, as translate): every ASCII digit becomes '0', one for one,
// applied to the tokens (so to both vocabulary building and id mapping). Non-ASCII digits and
// non-ASCII whitespace are ordinary bytes, as in translate's bytes regexes.
// SentencePiece (subword.h) is the third kind: its text <-> ids go through the models carried in
// TokenizerOptions, never through tokenize() (which refuses it); no digit normalisation.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s2s::data {

enum class TokenizerKind { Basic, Space, SentencePiece };

class SubwordModel;
struct TokenizerOptions {
  TokenizerKind kind = TokenizerKind::Basic;
  bool normalize_digits = true;
  // SentencePiece only: the source and target models (one object twice for a joint model).
  std::shared_ptr<const SubwordModel> source_model, target_model;
};

// The basic tokenizer's punctuation class, translate's _WORD_SPLIT = re.compile(b"([.,!?\"':;)(])").
constexpr bool is_basic_punctuation(char c) {
  switch (c) {
    case '.': case ',': case '!': case '?': case '"': case '\'': case ':': case ';': case ')': case '(':
      return true;
    default:
      return false;
  }
}

std::string_view tokenizer_name(TokenizerKind kind);        // "basic" | "space" | "sentencepiece"
TokenizerKind tokenizer_from_name(std::string_view name);   // throws for other names

// Reusable token storage: tokenize() fills it without allocating once it has grown, which
// matters when it runs for every line of a 10-million-pair corpus.
class Tokens {
 public:
  std::size_t size() const { return spans_.size(); }
  bool empty() const { return spans_.empty(); }
  std::string_view operator[](std::size_t i) const {
    return std::string_view(text_).substr(spans_[i].first, spans_[i].second);
  }
  std::vector<std::string> to_vector() const;

 private:
  friend void tokenize(std::string_view line, const TokenizerOptions& options, Tokens& out);
  std::string text_;  // the line with digits normalised
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans_;  // (offset, length) into text_
};

void tokenize(std::string_view line, const TokenizerOptions& options, Tokens& out);
std::vector<std::string> tokenize(std::string_view line, const TokenizerOptions& options = {});

}  // namespace s2s::data
