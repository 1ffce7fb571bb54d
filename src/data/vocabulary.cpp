// Owns: Vocabulary (lookup, files) and VocabularyCounter (counting and the stable build order).
#include "s2s/data/vocabulary.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>

#include "s2s/core/error.h"
#include "s2s/data/utf8.h"
#include "s2s/io/atomic_file.h"
#include "s2s/io/line_reader.h"

namespace s2s::data {

bool is_special_token(std::string_view token) {
  return std::find(kSpecialTokens.begin(), kSpecialTokens.end(), token) != kSpecialTokens.end();
}

Vocabulary::Vocabulary() {
  bool inserted;
  for (std::size_t i = 0; i < kSpecialTokens.size(); ++i) {
    tokens_.emplace_back(kSpecialTokens[i]);
    *index_.insert(tokens_.back(), static_cast<std::int64_t>(i), inserted) = static_cast<std::int64_t>(i);
  }
}

Vocabulary Vocabulary::from_tokens(std::vector<std::string> tokens, const std::string& origin) {
  S2S_CHECK(tokens.size() >= kSpecialTokens.size(), origin, ": a vocabulary of ", tokens.size(),
            " tokens (expected at least the four specials _PAD _GO _EOS _UNK)");
  S2S_CHECK(tokens.size() <= static_cast<std::size_t>(INT32_MAX), origin, ": too many tokens");
  for (std::size_t i = 0; i < kSpecialTokens.size(); ++i)
    if (tokens[i] != kSpecialTokens[i])
      S2S_FAIL(origin, ":", i + 1, ": '", tokens[i], "' where '", kSpecialTokens[i],
               "' was expected (a vocabulary starts with _PAD _GO _EOS _UNK, one per line)");
  Vocabulary v;
  v.tokens_ = std::move(tokens);
  v.index_ = TokenTable();
  bool inserted;
  for (std::size_t i = 0; i < v.tokens_.size(); ++i)  // a later duplicate wins, as translate's dict
    *v.index_.insert(v.tokens_[i], 0, inserted) = static_cast<std::int64_t>(i);
  return v;
}

Vocabulary Vocabulary::load(const std::string& path) {
  io::LineReader reader(path);
  std::vector<std::string> tokens;
  std::string_view line;
  while (reader.next(line)) {
    std::size_t bad = find_invalid_utf8(line);
    if (bad != std::string_view::npos)
      S2S_FAIL(path, ":", reader.line_number(), ": invalid UTF-8 at byte ", bad + 1,
               " (expected a UTF-8 vocabulary file, one token per line)");
    // Python's bytes.strip(): ASCII whitespace at both ends.
    auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    tokens.emplace_back(line);
  }
  return from_tokens(std::move(tokens), path);
}

void Vocabulary::save(const std::string& path) const {
  io::AtomicFile out(path, true);
  {
    std::FILE* f = std::fopen(out.temp_path().c_str(), "wb");
    S2S_CHECK(f != nullptr, "cannot write ", out.temp_path());
    for (const auto& t : tokens_) {
      std::fwrite(t.data(), 1, t.size(), f);
      std::fputc('\n', f);
    }
    S2S_CHECK(std::fclose(f) == 0, "error writing ", out.temp_path());
  }
  out.commit();
}

const std::string& Vocabulary::token(std::int32_t id) const {
  S2S_CHECK(id >= 0 && id < size(), "token id ", id, " is outside the vocabulary of ", size(), " tokens");
  return tokens_[static_cast<std::size_t>(id)];
}

std::int32_t Vocabulary::id(std::string_view token) const {
  if (is_special_token(token)) return kUnkId;
  const std::int64_t* id = index_.find(token);
  return id == nullptr ? kUnkId : static_cast<std::int32_t>(*id);
}

bool Vocabulary::contains(std::string_view token) const { return index_.find(token) != nullptr; }

void VocabularyCounter::add(std::string_view token) {
  if (is_special_token(token)) return;
  bool inserted;
  ++*counts_.insert(token, 0, inserted);
}

void VocabularyCounter::add(const Tokens& tokens) {
  for (std::size_t i = 0; i < tokens.size(); ++i) add(tokens[i]);
}

std::int64_t VocabularyCounter::count(std::string_view token) const {
  const std::int64_t* n = counts_.find(token);
  return n == nullptr ? 0 : *n;
}

Vocabulary VocabularyCounter::build(std::int64_t max_size) const {
  S2S_CHECK(max_size >= static_cast<std::int64_t>(kSpecialTokens.size()), "a vocabulary size of ",
            max_size, " (expected at least 4: the size includes _PAD _GO _EOS _UNK)");
  std::vector<TokenTable::Entry> order = counts_.entries();  // first-occurrence order
  std::vector<std::uint32_t> rank(order.size());
  std::iota(rank.begin(), rank.end(), 0u);
  std::size_t keep = std::min<std::size_t>(order.size(), static_cast<std::size_t>(max_size) - kSpecialTokens.size());
  auto before = [&](std::uint32_t a, std::uint32_t b) {  // count descending, then first occurrence
    if (order[a].value != order[b].value) return order[a].value > order[b].value;
    return a < b;
  };
  std::partial_sort(rank.begin(), rank.begin() + static_cast<std::ptrdiff_t>(keep), rank.end(), before);
  std::vector<std::string> tokens(kSpecialTokens.begin(), kSpecialTokens.end());
  for (std::size_t i = 0; i < keep; ++i) tokens.emplace_back(order[rank[i]].token);
  return Vocabulary::from_tokens(std::move(tokens), "built vocabulary");
}

}  // namespace s2s::data
