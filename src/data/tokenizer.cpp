// Owns: the basic and space tokenizers and digit normalisation (see the header for the rules).
#include "s2s/data/tokenizer.h"

#include "s2s/core/error.h"

namespace s2s::data {

namespace {
// Python's bytes.split()/strip() whitespace: space, \t, \n, \r, \v, \f.
inline bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
}  // namespace

std::string_view tokenizer_name(TokenizerKind kind) {
  switch (kind) {
    case TokenizerKind::Basic: return "basic";
    case TokenizerKind::Space: return "space";
    case TokenizerKind::SentencePiece: return "sentencepiece";
  }
  return "?";
}

TokenizerKind tokenizer_from_name(std::string_view name) {
  if (name == "basic") return TokenizerKind::Basic;
  if (name == "space") return TokenizerKind::Space;
  if (name == "sentencepiece") return TokenizerKind::SentencePiece;
  S2S_FAIL("unknown tokenizer '", name, "' (expected basic, space or sentencepiece)");
}

std::vector<std::string> Tokens::to_vector() const {
  std::vector<std::string> out;
  out.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) out.emplace_back((*this)[i]);
  return out;
}

void tokenize(std::string_view line, const TokenizerOptions& options, Tokens& out) {
  S2S_CHECK(options.kind != TokenizerKind::SentencePiece,
            "tokenize: SentencePiece text is encoded by its model (data/subword.h), not split into words");
  S2S_CHECK(line.size() < (std::size_t{1} << 32), "a line of ", line.size(), " bytes is too long to tokenize");
  out.text_.assign(line.data(), line.size());
  out.spans_.clear();
  if (options.normalize_digits)
    for (char& c : out.text_)
      if (c >= '0' && c <= '9') c = '0';
  const std::string& s = out.text_;
  const std::uint32_t n = static_cast<std::uint32_t>(s.size());
  auto emit = [&](std::uint32_t begin, std::uint32_t end) {
    if (end > begin) out.spans_.emplace_back(begin, end - begin);
  };
  std::uint32_t i = 0;
  while (i < n) {
    while (i < n && is_space(s[i])) ++i;
    std::uint32_t start = i;
    while (i < n && !is_space(s[i])) ++i;
    if (options.kind == TokenizerKind::Space) {
      emit(start, i);
      continue;
    }
    // re.split with a capturing group: text between separators, and each separator itself.
    std::uint32_t piece = start;
    for (std::uint32_t k = start; k < i; ++k) {
      if (is_basic_punctuation(s[k])) {
        emit(piece, k);
        emit(k, k + 1);
        piece = k + 1;
      }
    }
    emit(piece, i);
  }
}

std::vector<std::string> tokenize(std::string_view line, const TokenizerOptions& options) {
  Tokens t;
  tokenize(line, options, t);
  return t.to_vector();
}

}  // namespace s2s::data
