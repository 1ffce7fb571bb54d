// Owns: SubwordModel (see the header): SentencePiece training through SentencePieceTrainer's
// library API, loading, the s2s <-> SentencePiece id mapping, encode and decode.
#include "s2s/data/subword.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <iterator>
#include <thread>
#include <unordered_map>

#include "s2s/core/error.h"
#include "s2s/data/vocabulary.h"

namespace s2s::data {
namespace {

// The trainer pulls sentences through this adapter. An exception of the stream (bad input) must
// not unwind through SentencePiece's frames: it is kept, the iteration ends with an error
// status, and train() rethrows it.
class StreamIterator : public sentencepiece::SentenceIterator {
 public:
  explicit StreamIterator(SentenceStream& s) : stream_(s) { Next(); }
  bool done() const override { return done_; }
  void Next() override {
    if (done_) return;
    try {
      done_ = !stream_.next(value_);
    } catch (...) {
      error_ = std::current_exception();
      done_ = true;
    }
  }
  const std::string& value() const override { return value_; }
  sentencepiece::util::Status status() const override {
    if (error_) return {sentencepiece::util::StatusCode::kAborted, "the input stream failed"};
    return {};
  }
  void rethrow_and_drain() {  // the rest of the stream, read for its checks and checksums
    if (error_) std::rethrow_exception(error_);
    while (!done_) done_ = !stream_.next(value_);
  }

 private:
  SentenceStream& stream_;
  std::string value_;
  bool done_ = false;
  std::exception_ptr error_;
};

std::string num(double v) {
  std::string s = std::to_string(v);  // "%f": never an exponent, which the flag parser rejects
  return s;
}

}  // namespace

struct SubwordModel::Impl {
  sentencepiece::SentencePieceProcessor processor;
};

SubwordModel::SubwordModel() : impl_(std::make_unique<Impl>()) {}
SubwordModel::~SubwordModel() = default;

std::string_view subword_type_name(SubwordType t) { return t == SubwordType::Bpe ? "bpe" : "unigram"; }

SubwordType subword_type_from_name(std::string_view name) {
  if (name == "unigram") return SubwordType::Unigram;
  if (name == "bpe") return SubwordType::Bpe;
  S2S_FAIL("unknown SentencePiece model type '", name, "' (expected unigram or bpe)");
}

std::shared_ptr<const SubwordModel> SubwordModel::from_serialized(std::string bytes, const std::string& origin) {
  std::shared_ptr<SubwordModel> m(new SubwordModel());
  const auto status = m->impl_->processor.LoadFromSerializedProto(bytes);
  S2S_CHECK(status.ok(), origin, ": not a SentencePiece model (", status.ToString(), ")");
  m->bytes_ = std::move(bytes);
  const auto& p = m->impl_->processor;
  const int n = p.GetPieceSize();
  // The specials in s2s order (PAD, GO, EOS, UNK) and where the model has them.
  const int special_spm[4] = {p.pad_id(), p.bos_id(), p.eos_id(), p.unk_id()};
  S2S_CHECK(special_spm[3] >= 0, origin, ": the SentencePiece model has no unknown piece");
  m->to_spm_.assign(special_spm, special_spm + 4);
  m->from_spm_.assign(static_cast<std::size_t>(n), -1);
  for (int k = 0; k < 4; ++k)
    if (special_spm[k] >= 0) m->from_spm_[static_cast<std::size_t>(special_spm[k])] = k;
  for (int id = 0; id < n; ++id) {
    if (m->from_spm_[static_cast<std::size_t>(id)] >= 0) continue;
    m->from_spm_[static_cast<std::size_t>(id)] = static_cast<std::int32_t>(m->to_spm_.size());
    m->to_spm_.push_back(id);
  }
  m->pieces_.reserve(m->to_spm_.size());
  for (std::size_t k = 0; k < m->to_spm_.size(); ++k)
    m->pieces_.push_back(k < 4 ? std::string(kSpecialTokens[k]) : p.IdToPiece(m->to_spm_[k]));
  for (std::size_t k = 0; k < m->to_spm_.size(); ++k) m->native_ = m->native_ && m->to_spm_[k] == int(k);
  return m;
}

std::shared_ptr<const SubwordModel> SubwordModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  S2S_CHECK(in.good(), "cannot open SentencePiece model ", path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  S2S_CHECK(!in.bad(), "reading SentencePiece model ", path, " failed");
  return from_serialized(std::move(bytes), path);
}

std::shared_ptr<const SubwordModel> SubwordModel::train(SentenceStream& sentences, const SubwordTrainOptions& o) {
  S2S_CHECK(o.vocab_size >= 5, "SentencePiece vocabulary size ", o.vocab_size,
            " (expected >= 5: it includes _PAD _GO _EOS _UNK)");
  S2S_CHECK(o.character_coverage > 0.0 && o.character_coverage <= 1.0, "SentencePiece character coverage ",
            o.character_coverage, " (expected in (0, 1])");
  S2S_CHECK(o.input_sentence_size >= 0, "SentencePiece input sentence size ", o.input_sentence_size,
            " (expected >= 0; 0 reads every sentence)");
  const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  // The four specials at s2s's ids, spelled as s2s's vocabularies spell them. No digit or other
  // pre-splitting beyond SentencePiece's own; the sample is shuffled (reservoir sampling).
  std::unordered_map<std::string, std::string> args = {
      {"model_type", std::string(subword_type_name(o.type))},
      {"vocab_size", std::to_string(o.vocab_size)},
      {"character_coverage", num(o.character_coverage)},
      {"input_sentence_size", std::to_string(o.input_sentence_size)},
      {"shuffle_input_sentence", "true"},
      {"normalization_rule_name", o.normalization},
      {"byte_fallback", o.byte_fallback ? "true" : "false"},
      {"pad_id", "0"}, {"bos_id", "1"}, {"eos_id", "2"}, {"unk_id", "3"},
      {"pad_piece", "_PAD"}, {"bos_piece", "_GO"}, {"eos_piece", "_EOS"}, {"unk_piece", "_UNK"},
      {"num_threads", std::to_string(threads)},
      {"minloglevel", "1"},  // the trainer's INFO lines would drown prepare's own report
  };
  // identity keeps the text exactly: SentencePiece would still collapse runs of spaces.
  if (o.normalization == "identity") args["remove_extra_whitespaces"] = "false";
  sentencepiece::SetRandomGeneratorSeed(o.seed);
  StreamIterator it(sentences);
  std::string bytes;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, &bytes);
  it.rethrow_and_drain();
  S2S_CHECK(status.ok(), "SentencePiece training failed: ", status.ToString(),
            " (see --spm-vocab-size and --spm-character-coverage)");
  return from_serialized(std::move(bytes), "the trained SentencePiece model");
}

void SubwordModel::encode(std::string_view text, std::vector<std::int32_t>& ids) const {
  std::vector<int> spm;
  const auto status = impl_->processor.Encode(text, &spm);
  S2S_CHECK(status.ok(), "SentencePiece encode failed: ", status.ToString());
  ids.resize(spm.size());
  for (std::size_t i = 0; i < spm.size(); ++i) ids[i] = from_spm_[static_cast<std::size_t>(spm[i])];
}

std::vector<std::int32_t> SubwordModel::encode(std::string_view text) const {
  std::vector<std::int32_t> ids;
  encode(text, ids);
  return ids;
}

std::vector<std::string> SubwordModel::encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  const auto status = impl_->processor.Encode(text, &pieces);
  S2S_CHECK(status.ok(), "SentencePiece encode failed: ", status.ToString());
  return pieces;
}

std::string SubwordModel::decode(std::span<const std::int32_t> ids) const {
  std::vector<int> spm;
  spm.reserve(ids.size());
  for (std::int32_t id : ids) {
    S2S_CHECK(id >= 0 && id < size(), "id ", id, " is not a piece of the SentencePiece model (", size(), " pieces)");
    const int s = to_spm_[static_cast<std::size_t>(id)];
    if (s >= 0) spm.push_back(s);  // a special the model lacks decodes to nothing, as its controls do
  }
  std::string text;
  const auto status = impl_->processor.Decode(spm, &text);
  S2S_CHECK(status.ok(), "SentencePiece decode failed: ", status.ToString());
  return text;
}

std::string SubwordModel::decode_pieces(const std::vector<std::string>& pieces) const {
  std::string text;
  const auto status = impl_->processor.Decode(pieces, &text);
  S2S_CHECK(status.ok(), "SentencePiece decode failed: ", status.ToString());
  return text;
}

}  // namespace s2s::data
