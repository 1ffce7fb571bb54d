// Owns: dev-set BLEU/chrF validation (see s2s/train/validation.h).
#include "s2s/train/validation.h"

#include <array>
#include <chrono>

#include "s2s/core/error.h"
#include "s2s/data/subword.h"
#include "s2s/dist/sums.h"
#include "s2s/dist/world.h"
#include "s2s/score/bleu.h"
#include "s2s/score/chrf.h"
#include "s2s/score/tokenizer_13a.h"

namespace s2s::train {
namespace {

// The sufficient statistics summed over ranks, flattened for one all-reduce.
constexpr std::size_t kBleuFields = 2 + 2 * score::kBleuMaxOrder;
constexpr std::size_t kChrfFields = 3 * score::kChrfCharOrder;
constexpr std::size_t kFields = 1 + kBleuFields + kChrfFields;
using Flat = std::array<std::int64_t, kFields>;

Flat flatten(std::int64_t sentences, const score::BleuStats& b, const score::ChrfStats& c) {
  Flat f{};
  std::size_t k = 0;
  f[k++] = sentences;
  f[k++] = b.sys_len;
  f[k++] = b.ref_len;
  for (int n = 0; n < score::kBleuMaxOrder; ++n) f[k++] = b.correct[n];
  for (int n = 0; n < score::kBleuMaxOrder; ++n) f[k++] = b.total[n];
  for (int n = 0; n < score::kChrfCharOrder; ++n) f[k++] = c.hyp[n];
  for (int n = 0; n < score::kChrfCharOrder; ++n) f[k++] = c.ref[n];
  for (int n = 0; n < score::kChrfCharOrder; ++n) f[k++] = c.match[n];
  return f;
}

ValidationScores unflatten(const Flat& f) {
  score::BleuStats b;
  score::ChrfStats c;
  std::size_t k = 1;
  b.sys_len = f[k++];
  b.ref_len = f[k++];
  for (int n = 0; n < score::kBleuMaxOrder; ++n) b.correct[n] = f[k++];
  for (int n = 0; n < score::kBleuMaxOrder; ++n) b.total[n] = f[k++];
  for (int n = 0; n < score::kChrfCharOrder; ++n) c.hyp[n] = f[k++];
  for (int n = 0; n < score::kChrfCharOrder; ++n) c.ref[n] = f[k++];
  for (int n = 0; n < score::kChrfCharOrder; ++n) c.match[n] = f[k++];
  ValidationScores s;
  s.sentences = f[0];
  s.bleu = score::bleu_from_stats(b).score;
  s.chrf = score::chrf_from_stats(c);
  s.hypothesis_tokens = b.sys_len;
  s.reference_tokens = b.ref_len;
  return s;
}

Flat statistics(const std::vector<std::string>& hyps, const std::vector<std::string>& refs, std::size_t begin,
                std::size_t end) {
  score::BleuStats bleu;
  score::ChrfStats chrf;
  for (std::size_t i = begin; i < end; ++i) {
    const std::string ref_tok = score::tokenize_13a(refs[i]);
    bleu += score::bleu_segment_stats(score::tokenize_13a(hyps[i - begin]), {std::string_view(ref_tok)});
    chrf += score::chrf_segment_stats(hyps[i - begin], {std::string_view(refs[i])});
  }
  return flatten(static_cast<std::int64_t>(end - begin), bleu, chrf);
}

// Decoding draws nothing from the dropout stream, but validation promises training is unchanged
// whatever the model does: put the counter back on every exit.
class DropoutRestore {
 public:
  explicit DropoutRestore(model::Seq2SeqModel& m) : model_(m), saved_(m.dropout_counter()) {}
  ~DropoutRestore() { model_.set_dropout_counter(saved_); }
  DropoutRestore(const DropoutRestore&) = delete;
  DropoutRestore& operator=(const DropoutRestore&) = delete;

 private:
  model::Seq2SeqModel& model_;
  std::uint64_t saved_;
};

}  // namespace

std::string join_tokens(std::span<const std::int32_t> ids, const data::Vocabulary& vocab) {
  std::string s;
  for (std::int32_t id : ids) {
    if (!s.empty()) s += ' ';
    s += vocab.token(id);
  }
  return s;
}

std::string side_text(std::span<const std::int32_t> ids, const data::Dataset& dataset, bool source) {
  const data::TokenizerOptions& t = dataset.tokenizer();
  if (t.kind == data::TokenizerKind::SentencePiece) return (source ? t.source_model : t.target_model)->decode(ids);
  return join_tokens(ids, source ? dataset.source_vocab() : dataset.target_vocab());
}

DevSet load_dev_set(const data::Dataset& dataset, std::string_view split) {
  DevSet dev;
  if (!dataset.has_split(split)) return dev;
  const auto sizes = dataset.bucket_sizes(split);
  for (std::size_t b = 0; b < sizes.size(); ++b) {
    if (sizes[b] == 0) continue;
    const data::ExampleBlock block = dataset.read(split, static_cast<int>(b), 0, sizes[b]);
    for (std::int64_t i = 0; i < block.size(); ++i) {
      dev.sources.push_back(side_text(block.source(i), dataset, true));
      dev.references.push_back(side_text(block.target(i), dataset, false));
    }
  }
  return dev;
}

ValidationScores score_texts(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references) {
  S2S_CHECK(hypotheses.size() == references.size(), "validation: ", hypotheses.size(), " hypotheses for ",
            references.size(), " references");
  return unflatten(statistics(hypotheses, references, 0, references.size()));
}

Validator::Validator(model::Seq2SeqModel& model, std::shared_ptr<const data::Dataset> dataset,
                     std::unique_ptr<decode::Translator> translator, std::int64_t batch_size, dist::World& world)
    : model_(model), dataset_(std::move(dataset)), translator_(std::move(translator)), batch_size_(batch_size),
      world_(world), dev_(load_dev_set(*dataset_)) {
  const auto n = dev_.size(), r = static_cast<std::size_t>(world.rank()), w = static_cast<std::size_t>(world.size());
  begin_ = n * r / w;
  end_ = n * (r + 1) / w;
}

ValidationScores Validator::run() {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> hyps;
  {
    DropoutRestore keep_dropout(model_);
    const std::span<const std::string> mine(dev_.sources.data() + begin_, end_ - begin_);
    const auto ids = mine.empty() ? std::vector<std::vector<std::int32_t>>{}
                                  : translator_->translate_ids(mine, batch_size_);
    S2S_CHECK(ids.size() == mine.size(), "validation: the ", translator_->name(), " decoder returned ", ids.size(),
              " translations for ", mine.size(), " sentences");
    hyps.reserve(ids.size());
    for (const auto& t : ids) hyps.push_back(side_text(t, *dataset_, false));
  }
  Flat f = statistics(hyps, dev_.references, begin_, end_);
  dist::allreduce_sum(world_, f, "validation statistics all-reduce");
  ValidationScores s = unflatten(f);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

}  // namespace s2s::train
