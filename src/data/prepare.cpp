// Owns: prepare_dataset (the scan and write passes, root attributes, the atomic commit).
#include "s2s/data/prepare.h"

#include <sys/stat.h>

#include <algorithm>
#include <memory>

#include "s2s/core/error.h"
#include "s2s/io/atomic_file.h"
#include "s2s/io/sha256.h"

namespace s2s::data {

namespace {
using Clock = std::chrono::steady_clock;
constexpr std::int64_t kProgressEvery = 4096;  // pairs between progress callbacks

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Inputs {
  std::unique_ptr<PairSource> train, dev;
};

void validate(const PrepareOptions& o) {
  if (!o.auto_buckets) validate_buckets(o.buckets);
  if (o.tokenizer.kind == TokenizerKind::SentencePiece) {
    if (!o.vocab_from_path.empty() || !o.vocab_to_path.empty())
      S2S_FAIL("--vocab-from/--vocab-to give word vocabularies: with --tokenizer sentencepiece the vocabulary is "
               "the model's pieces (reuse a model with --spm-model)");
    if (o.tokenizer.normalize_digits)
      S2S_FAIL("digit normalisation is for word tokenizers: SentencePiece keeps digits");
    if (!o.subword.target_model_path.empty() && o.subword.model_path.empty())
      S2S_FAIL("--spm-model-target needs --spm-model (the source model)");
  }
  if (o.output_path.empty()) S2S_FAIL("no output file given (expected --output FILE)");
  if (o.deflate_level < 0 || o.deflate_level > 9) S2S_FAIL("compression level ", o.deflate_level, " (expected 0..9)");
  if (o.max_pairs < 0) S2S_FAIL("--max-pairs ", o.max_pairs, " (expected >= 0)");
  if (o.vocab_from_path.empty())
    if (o.source_vocab_size < 4)
      S2S_FAIL("source vocabulary size ", o.source_vocab_size, " (expected >= 4: it includes _PAD _GO _EOS _UNK)");
  if (o.vocab_to_path.empty())
    if (o.target_vocab_size < 4)
      S2S_FAIL("target vocabulary size ", o.target_vocab_size, " (expected >= 4: it includes _PAD _GO _EOS _UNK)");
  if (!o.synthetic) {
    if (o.source_path.empty() || o.target_path.empty())
      S2S_FAIL("no training text given (expected --source FILE and --target FILE, or --synthetic TASK)");
    if (o.dev_source_path.empty() != o.dev_target_path.empty())
      S2S_FAIL("give both --dev-source and --dev-target, or neither");
  }
}

Inputs open_inputs(const PrepareOptions& o) {
  Inputs in;
  if (o.synthetic) {
    in.train = make_synthetic_source(*o.synthetic, SplitKind::Train);
    if (o.synthetic->dev_pairs > 0) in.dev = make_synthetic_source(*o.synthetic, SplitKind::Dev);
    return in;
  }
  in.train = std::make_unique<ParallelTextReader>(o.source_path, o.target_path, o.on_invalid);
  if (!o.dev_source_path.empty())
    in.dev = std::make_unique<ParallelTextReader>(o.dev_source_path, o.dev_target_path, o.on_invalid);
  return in;
}

class Reporter {
 public:
  Reporter(const PrepareProgressFn& fn, std::string phase) : fn_(fn), phase_(std::move(phase)), t0_(Clock::now()) {}
  void tick(std::int64_t pairs, double fraction) {
    if (fn_ && pairs % kProgressEvery == 0) fn_({phase_, pairs, fraction, seconds_since(t0_), false});
  }
  void done(std::int64_t pairs) {
    if (fn_) fn_({phase_, pairs, 1.0, seconds_since(t0_), true});
  }

 private:
  const PrepareProgressFn& fn_;
  std::string phase_;
  Clock::time_point t0_;
};

// Pass 1: reads every pair (so bad input fails before any output exists), counts tokens for the
// vocabularies being built. Pairs with an empty side are skipped here too, as in pass 2.
struct Checksums {
  std::string source, target;
};

Checksums scan(PairSource& src, const TokenizerOptions& tok, VocabularyCounter* source_counts,
               VocabularyCounter* target_counts, Reporter& report) {
  src.rewind();
  Tokens ts, tt;
  TextPair pair;
  std::int64_t n = 0;
  while (src.next(pair)) {
    ++n;
    if (source_counts != nullptr || target_counts != nullptr) {
      tokenize(pair.source, tok, ts);
      tokenize(pair.target, tok, tt);
      if (!ts.empty() && !tt.empty()) {
        if (source_counts != nullptr) source_counts->add(ts);
        if (target_counts != nullptr) target_counts->add(tt);
      }
    }
    report.tick(n, src.fraction_done());
  }
  report.done(n);
  return {src.source_sha256(), src.target_sha256()};
}

// The trainer's input: one side (or both, source then target) of the first max_pairs pairs,
// empty lines left out. Reads the whole source either way, so it doubles as the scan pass.
enum class Side { Source, Target, Both };
class SideStream : public SentenceStream {
 public:
  SideStream(PairSource& src, Side side, std::int64_t max_pairs, Reporter& report)
      : src_(src), side_(side), max_pairs_(max_pairs), report_(report) {
    src_.rewind();
  }
  bool next(std::string& sentence) override {
    if (!pending_.empty()) {
      sentence.swap(pending_);
      pending_.clear();
      return true;
    }
    TextPair pair;
    while (src_.next(pair)) {
      ++pairs_;
      report_.tick(pairs_, src_.fraction_done());
      if (max_pairs_ > 0 && pairs_ > max_pairs_) continue;
      if (side_ == Side::Target) {
        if (pair.target.empty()) continue;
        sentence.assign(pair.target);
        return true;
      }
      if (side_ == Side::Both && !pair.target.empty()) pending_.assign(pair.target);
      if (!pair.source.empty()) {
        sentence.assign(pair.source);
        return true;
      }
      if (!pending_.empty()) return next(sentence);
    }
    return false;
  }
  std::int64_t pairs() const { return pairs_; }

 private:
  PairSource& src_;
  Side side_;
  std::int64_t max_pairs_;
  Reporter& report_;
  std::int64_t pairs_ = 0;
  std::string pending_;
};

// The SentencePiece models of a run (SubwordOptions' order: given objects, files, training).
// Training the (source or joint) model is the scan pass of the training text.
Checksums subword_models(const PrepareOptions& o, PairSource& train, const PrepareProgressFn& progress,
                         TokenizerOptions& tok) {
  const SubwordOptions& so = o.subword;
  if (tok.source_model && tok.target_model) {
    Reporter report(progress, "scan train");
    return scan(train, tok, nullptr, nullptr, report);
  }
  if (!so.model_path.empty()) {
    tok.source_model = SubwordModel::load(so.model_path);
    tok.target_model = so.target_model_path.empty() ? tok.source_model : SubwordModel::load(so.target_model_path);
    Reporter report(progress, "scan train");
    return scan(train, tok, nullptr, nullptr, report);
  }
  Checksums sums;
  {
    Reporter report(progress, "scan train");
    SideStream stream(train, so.joint ? Side::Both : Side::Source, o.max_pairs, report);
    tok.source_model = SubwordModel::train(stream, so.train);
    report.done(stream.pairs());
    sums = {train.source_sha256(), train.target_sha256()};
  }
  if (so.joint) {
    tok.target_model = tok.source_model;
  } else {
    Reporter report(progress, "train target");
    SideStream stream(train, Side::Target, o.max_pairs, report);
    tok.target_model = SubwordModel::train(stream, so.train);
    report.done(stream.pairs());
  }
  return sums;
}

// Text of one pair -> ids of both sides, by the run's tokenizer and vocabularies.
class PairEncoder {
 public:
  PairEncoder(const TokenizerOptions& tok, const Vocabulary& sv, const Vocabulary& tv) : tok_(tok), sv_(sv), tv_(tv) {}
  void encode(const TextPair& pair, std::vector<std::int32_t>& sids, std::vector<std::int32_t>& tids) {
    if (tok_.kind == TokenizerKind::SentencePiece) {
      tok_.source_model->encode(pair.source, sids);
      tok_.target_model->encode(pair.target, tids);
      return;
    }
    tokenize(pair.source, tok_, ts_);
    tokenize(pair.target, tok_, tt_);
    to_ids(ts_, sv_, sids);
    to_ids(tt_, tv_, tids);
  }

 private:
  static void to_ids(const Tokens& tokens, const Vocabulary& vocab, std::vector<std::int32_t>& ids) {
    ids.resize(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) ids[i] = vocab.id(tokens[i]);
  }
  const TokenizerOptions& tok_;
  const Vocabulary &sv_, &tv_;
  Tokens ts_, tt_;
};

std::int64_t count_unk(const std::vector<std::int32_t>& ids) {
  return static_cast<std::int64_t>(std::count(ids.begin(), ids.end(), kUnkId));
}

// The lengths pass of --buckets auto: the training pairs' token counts, as the write pass sees them.
LengthHistogram training_lengths(PairSource& src, std::int64_t max_pairs, PairEncoder& enc, Reporter& report) {
  src.rewind();
  LengthHistogram h;
  std::vector<std::int32_t> sids, tids;
  TextPair pair;
  std::int64_t n = 0;
  while ((max_pairs == 0 || n < max_pairs) && src.next(pair)) {
    ++n;
    report.tick(n, src.fraction_done());
    enc.encode(pair, sids, tids);
    if (!sids.empty() && !tids.empty())
      h.add(static_cast<std::int64_t>(sids.size()), static_cast<std::int64_t>(tids.size()));
  }
  report.done(n);
  return h;
}

// Pass 2 for one split.
SplitStats write_split(PairSource& src, std::int64_t max_pairs, const std::vector<Bucket>& buckets, PairEncoder& enc,
                       SplitWriter& writer, Reporter& report) {
  src.rewind();
  SplitStats s;
  s.kept_per_bucket.assign(buckets.size(), 0);
  std::vector<std::int32_t> sids, tids;
  TextPair pair;
  std::int64_t returned = 0;
  while ((max_pairs == 0 || returned < max_pairs) && src.next(pair)) {
    ++returned;
    double fraction =
        max_pairs > 0 ? std::max(src.fraction_done(), double(returned) / double(max_pairs)) : src.fraction_done();
    report.tick(returned, fraction);
    enc.encode(pair, sids, tids);
    if (sids.empty() || tids.empty()) {
      ++s.pairs_empty;
      continue;
    }
    int bucket = train_bucket(buckets, static_cast<std::int64_t>(sids.size()), static_cast<std::int64_t>(tids.size()));
    if (bucket < 0) {
      ++s.pairs_too_long;
      continue;
    }
    s.source_unk += count_unk(sids);
    s.target_unk += count_unk(tids);
    writer.add(bucket, pair.line, sids, tids);
    ++s.pairs_kept;
    ++s.kept_per_bucket[static_cast<std::size_t>(bucket)];
    s.source_tokens += static_cast<std::int64_t>(sids.size());
    s.target_tokens += static_cast<std::int64_t>(tids.size());
  }
  s.pairs_invalid = src.invalid_skipped();
  s.pairs_read = returned + s.pairs_invalid;
  report.done(returned);
  return s;
}

void write_subword_attributes(io::File& f, const PrepareOptions& o, const TokenizerOptions& tok) {
  const SubwordOptions& so = o.subword;
  const bool trained = !o.tokenizer.source_model && so.model_path.empty();  // o: as given, before training
  f.set_attribute("spm_joint", std::int64_t{tok.source_model == tok.target_model ? 1 : 0});
  f.set_attribute("spm_model", so.model_path);
  f.set_attribute("spm_model_sha256", so.model_path.empty() ? "" : io::sha256_file_hex(so.model_path));
  f.set_attribute("spm_model_target", so.target_model_path);
  f.set_attribute("spm_model_target_sha256",
                  so.target_model_path.empty() ? "" : io::sha256_file_hex(so.target_model_path));
  if (!trained) return;
  f.set_attribute("spm_type", subword_type_name(so.train.type));
  f.set_attribute("spm_vocab_size", so.train.vocab_size);
  f.set_attribute("spm_character_coverage", so.train.character_coverage);
  f.set_attribute("spm_input_sentence_size", so.train.input_sentence_size);
  f.set_attribute("spm_normalization", so.train.normalization);
  f.set_attribute("spm_byte_fallback", std::int64_t{so.train.byte_fallback ? 1 : 0});
  f.set_attribute("spm_seed", std::int64_t{so.train.seed});
}

void write_root_attributes(io::File& f, const PrepareOptions& o, const TokenizerOptions& tok,
                           const std::vector<Bucket>& buckets) {
  f.set_attribute("format", kDatasetFormat);
  f.set_attribute("version", kDatasetVersion);
  f.set_attribute("created_by", o.created_by);
  std::vector<std::int64_t> flat;
  for (const Bucket& b : buckets) {
    flat.push_back(b.encoder_size);
    flat.push_back(b.decoder_size);
  }
  f.set_attribute("buckets", flat, {static_cast<std::int64_t>(buckets.size()), 2});
  f.set_attribute("buckets_auto", o.auto_buckets ? "auto:" + std::to_string(o.auto_buckets->count) : std::string());
  if (o.auto_buckets) f.set_attribute("bucket_drop_share", o.auto_buckets->drop_share);
  f.set_attribute("tokenizer", tokenizer_name(o.tokenizer.kind));
  f.set_attribute("normalize_digits", std::int64_t{o.tokenizer.normalize_digits ? 1 : 0});
  f.set_attribute("on_invalid", invalid_policy_name(o.on_invalid));
  f.set_attribute("max_pairs", o.max_pairs);
  f.set_attribute("source_vocab_max_size", o.source_vocab_size);
  f.set_attribute("target_vocab_max_size", o.target_vocab_size);
  f.set_attribute("vocab_from", o.vocab_from_path);
  f.set_attribute("vocab_from_sha256", o.vocab_from_path.empty() ? "" : io::sha256_file_hex(o.vocab_from_path));
  f.set_attribute("vocab_to", o.vocab_to_path);
  f.set_attribute("vocab_to_sha256", o.vocab_to_path.empty() ? "" : io::sha256_file_hex(o.vocab_to_path));
  f.set_attribute("deflate_level", std::int64_t{o.deflate_level});
  f.set_attribute("synthetic", o.synthetic ? o.synthetic->describe() : std::string());
  if (o.tokenizer.kind == TokenizerKind::SentencePiece) write_subword_attributes(f, o, tok);
}
}  // namespace

PrepareSummary prepare_dataset(const PrepareOptions& o, const PrepareProgressFn& progress) {
  const auto t0 = Clock::now();
  validate(o);
  io::AtomicFile out(o.output_path, o.force);  // refuses an existing output before any work
  Inputs in = open_inputs(o);
  PrepareSummary summary;
  summary.output_path = o.output_path;

  // Pass 1.
  TokenizerOptions tok = o.tokenizer;
  const bool subword = tok.kind == TokenizerKind::SentencePiece;
  VocabularyCounter source_counts, target_counts;
  Checksums train_sums, dev_sums;
  if (subword) {
    train_sums = subword_models(o, *in.train, progress, tok);
  } else {
    Reporter report(progress, "scan train");
    train_sums = scan(*in.train, tok, o.vocab_from_path.empty() ? &source_counts : nullptr,
                      o.vocab_to_path.empty() ? &target_counts : nullptr, report);
  }
  if (in.dev) {
    Reporter report(progress, "scan dev");
    dev_sums = scan(*in.dev, tok, nullptr, nullptr, report);
  }
  auto vocabulary = [&](const std::string& path, VocabularyCounter& counts, std::int64_t size,
                        const std::shared_ptr<const SubwordModel>& model) {
    if (subword) return Vocabulary::from_tokens(model->pieces(), "the SentencePiece model's pieces");
    return path.empty() ? counts.build(size) : Vocabulary::load(path);
  };
  Vocabulary sv = vocabulary(o.vocab_from_path, source_counts, o.source_vocab_size, tok.source_model);
  Vocabulary tv = vocabulary(o.vocab_to_path, target_counts, o.target_vocab_size, tok.target_model);
  summary.distinct_source_tokens = static_cast<std::int64_t>(source_counts.distinct());
  summary.distinct_target_tokens = static_cast<std::int64_t>(target_counts.distinct());
  summary.source_vocab = sv.size();
  summary.target_vocab = tv.size();
  source_counts = VocabularyCounter();  // the counts can be large: free them before pass 2
  target_counts = VocabularyCounter();
  PairEncoder encoder(tok, sv, tv);
  std::vector<Bucket> buckets = o.buckets;
  if (o.auto_buckets) {
    Reporter report(progress, "lengths");
    const LengthHistogram lengths = training_lengths(*in.train, o.max_pairs, encoder, report);
    buckets = choose_buckets(lengths, *o.auto_buckets);
    summary.auto_bucket_pairs = lengths.pairs();
  }
  summary.buckets = buckets;
  summary.scan_seconds = seconds_since(t0);

  // Pass 2, into the temporary file.
  const auto t1 = Clock::now();
  {
    io::File file = io::File::create(out.temp_path(), true);
    write_root_attributes(file, o, tok, buckets);
    write_vocabulary(file, sv, tv);
    write_subword_models(file, tok);
    {
      SplitWriter writer(file, "train", buckets, o.deflate_level);
      Reporter report(progress, "write train");
      summary.train = write_split(*in.train, o.max_pairs, buckets, encoder, writer, report);
      writer.finish(summary.train, in.train->source_name(), train_sums.source, in.train->target_name(),
                    train_sums.target);
    }
    if (in.dev) {
      SplitWriter writer(file, "dev", buckets, o.deflate_level);
      Reporter report(progress, "write dev");
      summary.dev = write_split(*in.dev, 0, buckets, encoder, writer, report);
      writer.finish(*summary.dev, in.dev->source_name(), dev_sums.source, in.dev->target_name(), dev_sums.target);
    }
    file.close();
  }
  out.commit();
  summary.write_seconds = seconds_since(t1);
  summary.seconds = seconds_since(t0);
  struct stat st;
  if (::stat(o.output_path.c_str(), &st) == 0) summary.output_bytes = st.st_size;
  return summary;
}

}  // namespace s2s::data
