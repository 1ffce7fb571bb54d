// Owns: prepare_dataset (the scan and write passes, root attributes, the atomic commit).
#include "s2s/data/prepare.h"

#include <sys/stat.h>

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
  validate_buckets(o.buckets);
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

void to_ids(const Tokens& tokens, const Vocabulary& vocab, std::vector<std::int32_t>& ids, std::int64_t& unk) {
  ids.resize(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    ids[i] = vocab.id(tokens[i]);
    unk += ids[i] == kUnkId;
  }
}

// Pass 2 for one split.
SplitStats write_split(PairSource& src, std::int64_t max_pairs, const PrepareOptions& o, const Vocabulary& sv,
                       const Vocabulary& tv, SplitWriter& writer, Reporter& report) {
  src.rewind();
  SplitStats s;
  s.kept_per_bucket.assign(o.buckets.size(), 0);
  Tokens ts, tt;
  std::vector<std::int32_t> sids, tids;
  TextPair pair;
  std::int64_t returned = 0;
  while ((max_pairs == 0 || returned < max_pairs) && src.next(pair)) {
    ++returned;
    double fraction =
        max_pairs > 0 ? std::max(src.fraction_done(), double(returned) / double(max_pairs)) : src.fraction_done();
    report.tick(returned, fraction);
    tokenize(pair.source, o.tokenizer, ts);
    tokenize(pair.target, o.tokenizer, tt);
    if (ts.empty() || tt.empty()) {
      ++s.pairs_empty;
      continue;
    }
    int bucket = train_bucket(o.buckets, static_cast<std::int64_t>(ts.size()), static_cast<std::int64_t>(tt.size()));
    if (bucket < 0) {
      ++s.pairs_too_long;
      continue;
    }
    to_ids(ts, sv, sids, s.source_unk);
    to_ids(tt, tv, tids, s.target_unk);
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

void write_root_attributes(io::File& f, const PrepareOptions& o) {
  f.set_attribute("format", kDatasetFormat);
  f.set_attribute("version", kDatasetVersion);
  f.set_attribute("created_by", o.created_by);
  std::vector<std::int64_t> flat;
  for (const Bucket& b : o.buckets) {
    flat.push_back(b.encoder_size);
    flat.push_back(b.decoder_size);
  }
  f.set_attribute("buckets", flat, {static_cast<std::int64_t>(o.buckets.size()), 2});
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
  VocabularyCounter source_counts, target_counts;
  Checksums train_sums, dev_sums;
  {
    Reporter report(progress, "scan train");
    train_sums = scan(*in.train, o.tokenizer, o.vocab_from_path.empty() ? &source_counts : nullptr,
                      o.vocab_to_path.empty() ? &target_counts : nullptr, report);
  }
  if (in.dev) {
    Reporter report(progress, "scan dev");
    dev_sums = scan(*in.dev, o.tokenizer, nullptr, nullptr, report);
  }
  Vocabulary sv =
      o.vocab_from_path.empty() ? source_counts.build(o.source_vocab_size) : Vocabulary::load(o.vocab_from_path);
  Vocabulary tv =
      o.vocab_to_path.empty() ? target_counts.build(o.target_vocab_size) : Vocabulary::load(o.vocab_to_path);
  summary.distinct_source_tokens = static_cast<std::int64_t>(source_counts.distinct());
  summary.distinct_target_tokens = static_cast<std::int64_t>(target_counts.distinct());
  summary.source_vocab = sv.size();
  summary.target_vocab = tv.size();
  source_counts = VocabularyCounter();  // the counts can be large: free them before pass 2
  target_counts = VocabularyCounter();
  summary.scan_seconds = seconds_since(t0);

  // Pass 2, into the temporary file.
  const auto t1 = Clock::now();
  {
    io::File file = io::File::create(out.temp_path(), true);
    write_root_attributes(file, o);
    write_vocabulary(file, sv, tv);
    {
      SplitWriter writer(file, "train", o.buckets, o.deflate_level);
      Reporter report(progress, "write train");
      summary.train = write_split(*in.train, o.max_pairs, o, sv, tv, writer, report);
      writer.finish(summary.train, in.train->source_name(), train_sums.source, in.train->target_name(),
                    train_sums.target);
    }
    if (in.dev) {
      SplitWriter writer(file, "dev", o.buckets, o.deflate_level);
      Reporter report(progress, "write dev");
      summary.dev = write_split(*in.dev, 0, o, sv, tv, writer, report);
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
