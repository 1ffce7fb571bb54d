#pragma once
// Owns: SentencePiece subword models (Debian's libsentencepiece, not a tokenizer of our own):
// training one from a stream of sentences, loading a serialized one, text <-> s2s ids.
//  - Ids: s2s's four specials keep their ids, PAD=0 GO=1 EOS=2 UNK=3 (vocabulary.h), so every
//    model path is unchanged. Models trained here are built so (pad_id=0, bos_id=1, eos_id=2,
//    unk_id=3, pieces named _PAD _GO _EOS _UNK) and their ids are SentencePiece's own. A model
//    made elsewhere (spm_train's defaults: unk=0, bos=1, eos=2, no pad) is mapped explicitly:
//    its pad/bos/eos/unk take s2s ids 0..3 (an absent one is a new id with no piece), the other
//    pieces follow in the model's order.
//  - pieces(): the vocabulary in s2s id order (the specials spelled _PAD _GO _EOS _UNK), so the
//    dataset's and checkpoint's /vocab lists and every size check work as for words.
//  - Round trip: decode(encode(x)) == x for text the model's normaliser leaves unchanged and
//    whose characters the model covers (character coverage, or byte fallback for all). The
//    default normaliser (nmt_nfkc) applies NFKC and collapses runs of spaces; `identity` keeps
//    the text as it is (also its spaces: remove_extra_whitespaces=false).
//  - Streaming: train() pulls sentences from a SentenceStream; with input_sentence_size > 0 the
//    trainer keeps a shuffled (reservoir) sample of that many, so memory does not grow with the
//    corpus. The whole stream is always read (the caller checksums it).
// Thread safety: encode/decode are const and may run concurrently (SentencePieceProcessor's are).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace s2s::data {

enum class SubwordType { Unigram, Bpe };
std::string_view subword_type_name(SubwordType t);        // "unigram" | "bpe"
SubwordType subword_type_from_name(std::string_view name);  // throws for other names

struct SubwordTrainOptions {
  SubwordType type = SubwordType::Unigram;
  std::int64_t vocab_size = 8000;            // pieces including the four specials
  double character_coverage = 0.9995;        // SentencePiece's default; 1.0 for small alphabets
  std::int64_t input_sentence_size = 1000000;  // the trainer's sample (0: every sentence)
  std::string normalization = "nmt_nfkc";    // nmt_nfkc | nfkc | nmt_nfkc_cf | nfkc_cf | identity
  bool byte_fallback = false;                // unknown characters as <0x..> byte pieces, never UNK
  std::uint32_t seed = 1;                    // the sampler's seed: the same corpus gives the same model
  int threads = 0;                           // 0: the hardware's
};

// Sentences for the trainer, read once in order.
class SentenceStream {
 public:
  virtual ~SentenceStream() = default;
  virtual bool next(std::string& sentence) = 0;  // false at the end
};

class SubwordModel {
 public:
  ~SubwordModel();
  // `origin` names where the bytes came from, for error messages.
  static std::shared_ptr<const SubwordModel> from_serialized(std::string bytes, const std::string& origin);
  static std::shared_ptr<const SubwordModel> load(const std::string& path);  // a .model file
  static std::shared_ptr<const SubwordModel> train(SentenceStream& sentences, const SubwordTrainOptions& options);

  const std::string& serialized() const { return bytes_; }  // the model file's bytes
  std::int32_t size() const { return static_cast<std::int32_t>(pieces_.size()); }
  const std::vector<std::string>& pieces() const { return pieces_; }  // by s2s id
  bool ids_are_native() const { return native_; }  // s2s ids == SentencePiece ids

  void encode(std::string_view text, std::vector<std::int32_t>& ids) const;
  std::vector<std::int32_t> encode(std::string_view text) const;
  std::vector<std::string> encode_pieces(std::string_view text) const;
  // Ids outside [0, size) throw; PAD/GO/EOS decode to nothing, UNK to SentencePiece's " ⁇ ".
  std::string decode(std::span<const std::int32_t> ids) const;
  std::string decode_pieces(const std::vector<std::string>& pieces) const;

 private:
  SubwordModel();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string bytes_;
  std::vector<std::string> pieces_;
  std::vector<std::int32_t> from_spm_;  // SentencePiece id -> s2s id
  std::vector<int> to_spm_;             // s2s id -> SentencePiece id (-1: a special the model lacks)
  bool native_ = true;
};

}  // namespace s2s::data
