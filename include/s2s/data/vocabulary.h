#pragma once
// Owns: translate's vocabularies (legacy_seq2seq.md §8, §11.5): the four special symbols and
// their ids, counting tokens and building a vocabulary, reading/writing vocabulary files, and
// token <-> id lookup.
//  - Building: the 4 specials, then tokens by count descending, ties in first-occurrence order,
//    truncated to max_size INCLUDING the specials.
//  - A corpus token that spells a special (`_PAD`, `_GO`, `_EOS`, `_UNK`) is never counted or
//    added, and maps to _UNK (§11.5), so corpus text can never produce PAD/GO/EOS ids.
//  - Files: one token per line, the id is the line index; lines are stripped of ASCII
//    whitespace; a later duplicate wins on lookup (translate's dict). The first four lines must be
//    the specials in order, since every other part relies on PAD=0, GO=1, EOS=2, UNK=3.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/data/token_table.h"
#include "s2s/data/tokenizer.h"

namespace s2s::data {

inline constexpr std::int32_t kPadId = 0;
inline constexpr std::int32_t kGoId = 1;
inline constexpr std::int32_t kEosId = 2;
inline constexpr std::int32_t kUnkId = 3;
inline constexpr std::array<std::string_view, 4> kSpecialTokens = {"_PAD", "_GO", "_EOS", "_UNK"};
bool is_special_token(std::string_view token);

class Vocabulary {
 public:
  Vocabulary();  // just the four specials
  // `origin` names where the tokens came from, for error messages.
  static Vocabulary from_tokens(std::vector<std::string> tokens, const std::string& origin);
  static Vocabulary load(const std::string& path);
  void save(const std::string& path) const;  // atomically (temporary + rename)

  std::int32_t size() const { return static_cast<std::int32_t>(tokens_.size()); }
  const std::string& token(std::int32_t id) const;  // throws for ids outside [0, size)
  const std::vector<std::string>& tokens() const { return tokens_; }
  // A corpus token's id: its (last) line, or kUnkId when absent or when it spells a special.
  std::int32_t id(std::string_view token) const;
  bool contains(std::string_view token) const;

 private:
  std::vector<std::string> tokens_;
  TokenTable index_;  // token -> id
};

class VocabularyCounter {
 public:
  void add(std::string_view token);
  void add(const Tokens& tokens);
  std::size_t distinct() const { return counts_.size(); }
  std::int64_t count(std::string_view token) const;
  // The specials, then the max_size - 4 most frequent tokens (ties: first occurrence first).
  Vocabulary build(std::int64_t max_size) const;

 private:
  TokenTable counts_;  // token -> count, iterated in first-occurrence order
};

}  // namespace s2s::data
