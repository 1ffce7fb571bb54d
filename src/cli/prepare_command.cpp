// Owns: `s2s prepare`: the command line of s2s::data::prepare_dataset (parallel text or a
// synthetic task -> one HDF5 dataset; docs/dataset-format.md), its progress display (a bar on a
// terminal, periodic lines otherwise) and the end-of-run summary. All the work is in src/data.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "s2s/core/error.h"
#include "s2s/data/prepare.h"
#include "s2s/data/synthetic.h"
#include "s2s/dist/log.h"

namespace s2s::cli {

namespace {
using Clock = std::chrono::steady_clock;

struct PrepareArgs {
  data::PrepareOptions options;
  std::string buckets = "5,10:10,15:20,25:40,50";
  std::string tokenizer = "basic";
  bool no_normalize_digits = false;
  std::string on_invalid = "error";
  std::string spm_type = "unigram";
  bool spm_separate = false;
  double drop_share = 0.01;
  std::string synthetic;  // task name; empty: read text
  data::SyntheticOptions syn;
  std::string emit_text;
  bool quiet = false;
};

std::string with_commas(std::int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return v < 0 ? "-" + out : out;
}

// Progress: on a terminal a bar redrawn at most 10 times a second; otherwise (a file, or a task of
// mpirun/srun, whose pseudo-terminal ends in a log file) one line every 10 seconds and one when
// each phase ends (log files stay short).
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(::isatty(fileno(stderr)) != 0 && !dist::started_by_launcher()) {}
  void operator()(const data::PrepareProgress& p) {
    if (quiet_) return;
    const auto now = Clock::now();
    if (p.phase != phase_) {
      phase_ = p.phase;
      last_ = now - std::chrono::hours(1);
    }
    const double elapsed = p.seconds;
    const double rate = elapsed > 0 ? static_cast<double>(p.pairs) / elapsed : 0.0;
    if (p.done) {
      std::fprintf(stderr, "%sprepare: %-11s %s pairs in %.1f s (%s pairs/s)%s\n", tty_ ? "\r" : "", p.phase.c_str(),
                   with_commas(p.pairs).c_str(), elapsed, with_commas(static_cast<std::int64_t>(rate)).c_str(),
                   tty_ ? "\033[K" : "");
      return;
    }
    const double interval = tty_ ? 0.1 : 10.0;
    if (std::chrono::duration<double>(now - last_).count() < interval) return;
    last_ = now;
    if (tty_) {
      const int width = 30;
      const int filled = static_cast<int>(p.fraction * width + 0.5);
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(width, '.');
      std::fprintf(stderr, "\rprepare: %-11s [%s] %3.0f%%  %s pairs  %s pairs/s\033[K", p.phase.c_str(), bar.c_str(),
                   100.0 * p.fraction, with_commas(p.pairs).c_str(),
                   with_commas(static_cast<std::int64_t>(rate)).c_str());
    } else {
      std::fprintf(stderr, "prepare: %-11s %3.0f%%  %s pairs  %s pairs/s\n", p.phase.c_str(), 100.0 * p.fraction,
                   with_commas(p.pairs).c_str(), with_commas(static_cast<std::int64_t>(rate)).c_str());
    }
    std::fflush(stderr);
  }

 private:
  bool quiet_, tty_;
  std::string phase_;
  Clock::time_point last_;
};

void print_split(const char* name, const data::SplitStats& s, const std::vector<data::Bucket>& buckets) {
  std::printf("%s: %s pairs read, %s kept (", name, with_commas(s.pairs_read).c_str(),
              with_commas(s.pairs_kept).c_str());
  for (std::size_t b = 0; b < buckets.size(); ++b)
    std::printf("%s(%lld,%lld): %s", b ? ", " : "", static_cast<long long>(buckets[b].encoder_size),
                static_cast<long long>(buckets[b].decoder_size), with_commas(s.kept_per_bucket[b]).c_str());
  std::printf(")\n");
  std::printf("  dropped (fit no bucket) %s, empty (skipped) %s, invalid UTF-8 (skipped) %s\n",
              with_commas(s.pairs_too_long).c_str(), with_commas(s.pairs_empty).c_str(),
              with_commas(s.pairs_invalid).c_str());
  std::printf("  source %s tokens, UNK %.2f%%; target %s tokens, UNK %.2f%%\n", with_commas(s.source_tokens).c_str(),
              100.0 * s.source_unk_rate(), with_commas(s.target_tokens).c_str(), 100.0 * s.target_unk_rate());
}

void print_vocabulary(const data::PrepareSummary& s, const data::PrepareOptions& o) {
  if (o.tokenizer.kind == data::TokenizerKind::SentencePiece) {
    const data::SubwordOptions& so = o.subword;
    const std::string how = !so.model_path.empty()
                                ? "from " + so.model_path + (so.target_model_path.empty() ? "" : " and " + so.target_model_path)
                                : std::string("trained: ") + (so.joint ? "joint " : "separate ") +
                                      std::string(data::subword_type_name(so.train.type)) + " models";
    std::printf("vocabulary: sentencepiece pieces, source %d, target %d (%s)\n", s.source_vocab, s.target_vocab,
                how.c_str());
    return;
  }
  std::printf("vocabulary: source %d (%s), target %d (%s)\n", s.source_vocab,
              o.vocab_from_path.empty() ? (with_commas(s.distinct_source_tokens) + " distinct tokens").c_str()
                                        : o.vocab_from_path.c_str(),
              s.target_vocab,
              o.vocab_to_path.empty() ? (with_commas(s.distinct_target_tokens) + " distinct tokens").c_str()
                                      : o.vocab_to_path.c_str());
}

void print_summary(const data::PrepareSummary& s, const data::PrepareOptions& o) {
  std::printf("wrote %s (%.1f MiB) in %.1f s (scan %.1f s, write %.1f s)\n", s.output_path.c_str(),
              static_cast<double>(s.output_bytes) / (1024.0 * 1024.0), s.seconds, s.scan_seconds, s.write_seconds);
  print_vocabulary(s, o);
  if (o.auto_buckets) {
    const std::int64_t dropped = s.train.pairs_too_long;
    std::printf("buckets: auto:%d chose %s from %s training pairs; dropped %s (%.2f%%, at most %.2f%% allowed)\n",
                o.auto_buckets->count, data::format_buckets(s.buckets).c_str(), with_commas(s.auto_bucket_pairs).c_str(),
                with_commas(dropped).c_str(),
                s.auto_bucket_pairs ? 100.0 * double(dropped) / double(s.auto_bucket_pairs) : 0.0,
                100.0 * o.auto_buckets->drop_share);
  }
  print_split("train", s.train, s.buckets);
  if (s.dev) print_split("dev", *s.dev, s.buckets);
  const double rate = s.seconds > 0 ? static_cast<double>(s.train.pairs_read) / s.seconds : 0.0;
  std::printf("throughput: %s training pairs/s over the whole run (both passes)\n",
              with_commas(static_cast<std::int64_t>(rate)).c_str());
}

int run_prepare(PrepareArgs& a, const CLI::App& app) {
  data::PrepareOptions& o = a.options;
  data::AutoBucketOptions auto_buckets;
  if (data::parse_auto_buckets(a.buckets, auto_buckets)) {
    auto_buckets.drop_share = a.drop_share;
    o.auto_buckets = auto_buckets;
  } else {
    if (app.count("--bucket-drop-share") > 0) S2S_FAIL("--bucket-drop-share applies to --buckets auto[:N] only");
    o.buckets = data::parse_buckets(a.buckets);
  }
  o.tokenizer.kind = data::tokenizer_from_name(a.tokenizer);
  o.tokenizer.normalize_digits = !a.no_normalize_digits;
  if (o.tokenizer.kind == data::TokenizerKind::SentencePiece) {
    o.tokenizer.normalize_digits = false;  // subwords keep digits
    o.subword.train.type = data::subword_type_from_name(a.spm_type);
    o.subword.joint = !a.spm_separate;
    if (!o.subword.model_path.empty() && (a.spm_separate || app.count("--spm-vocab-size") > 0 ||
                                          app.count("--spm-type") > 0 || app.count("--spm-character-coverage") > 0))
      S2S_FAIL("--spm-model reuses a model: --spm-type/--spm-vocab-size/--spm-character-coverage/--spm-separate "
               "are for training one (a separate target model is --spm-model-target)");
  } else {
    for (const char* opt : {"--spm-type", "--spm-vocab-size", "--spm-separate", "--spm-character-coverage",
                            "--spm-input-sentence-size", "--spm-normalization", "--spm-byte-fallback", "--spm-seed",
                            "--spm-model", "--spm-model-target"})
      if (app.count(opt) > 0) S2S_FAIL(opt, " needs --tokenizer sentencepiece");
  }
  o.on_invalid = data::invalid_policy_from_name(a.on_invalid);
  if (!a.synthetic.empty()) {
    if (!o.source_path.empty() || !o.target_path.empty() || !o.dev_source_path.empty())
      S2S_FAIL("--synthetic generates the corpus: do not also give --source/--target/--dev-*");
    a.syn.task = data::synthetic_task_from_name(a.synthetic);
    o.synthetic = a.syn;
  } else {
    if (!a.emit_text.empty()) S2S_FAIL("--emit-text writes a synthetic corpus: it needs --synthetic TASK");
  }
  if (o.output_path.empty() && a.emit_text.empty())
    S2S_FAIL("nothing to write (expected --output FILE, or --synthetic TASK --emit-text DIR)");
  if (!a.emit_text.empty()) {
    data::emit_synthetic_text(a.syn, a.emit_text, o.force);
    if (!a.quiet)
      std::printf("wrote %s/train.src, train.tgt%s (%s)\n", a.emit_text.c_str(),
                  a.syn.dev_pairs > 0 ? ", dev.src, dev.tgt" : "", a.syn.describe().c_str());
  }
  if (o.output_path.empty()) return 0;
  ProgressPrinter printer(a.quiet);
  data::PrepareSummary summary = data::prepare_dataset(o, [&](const data::PrepareProgress& p) { printer(p); });
  print_summary(summary, o);
  return 0;
}
}  // namespace

CommandRunner setup_prepare(CLI::App& app) {
  auto a = std::make_shared<PrepareArgs>();
  data::PrepareOptions& o = a->options;
  app.footer(
      "Examples:\n"
      "  s2s prepare --source train.en --target train.fr --dev-source dev.en --dev-target dev.fr -o data.h5\n"
      "  s2s prepare --synthetic reverse --pairs 100000 --seed 1 -o reverse.h5\n"
      "  s2s prepare --source train.en --target train.fr --tokenizer sentencepiece --spm-vocab-size 16000 \\\n"
      "              --buckets auto:4 -o data.h5\n"
      "  s2s prepare --synthetic sort --pairs 1000 --emit-text corpus/");
  app.add_option("--source", o.source_path, "Training source text: UTF-8, one sentence per line (gzip accepted)");
  app.add_option("--target", o.target_path, "Training target text, line-aligned with --source");
  app.add_option("--dev-source", o.dev_source_path, "Dev source text (stored as the 'dev' split)");
  app.add_option("--dev-target", o.dev_target_path, "Dev target text, line-aligned with --dev-source");
  app.add_option("-o,--output", o.output_path, "Dataset file to write (HDF5)");
  app.add_flag("--force", o.force, "Replace existing output files");
  app.add_option("--vocab-from", o.vocab_from_path, "Reuse this source vocabulary (one token per line)");
  app.add_option("--vocab-to", o.vocab_to_path, "Reuse this target vocabulary (one token per line)");
  app.add_option("--from-vocab-size", o.source_vocab_size, "Source vocabulary size, the 4 specials included")
      ->capture_default_str();
  app.add_option("--to-vocab-size", o.target_vocab_size, "Target vocabulary size, the 4 specials included")
      ->capture_default_str();
  app.add_option("--buckets", a->buckets,
                 "Buckets as I,O pairs joined by ':', or auto[:N] (default N 4): N buckets chosen from the "
                 "training pairs' lengths")
      ->capture_default_str();
  app.add_option("--bucket-drop-share", a->drop_share,
                 "--buckets auto: the largest share of training pairs that may fit no bucket")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  app.add_option("--tokenizer", a->tokenizer,
                 "basic (translate's: split punctuation), space, or sentencepiece (subwords: --spm-*)")
      ->check(CLI::IsMember({"basic", "space", "sentencepiece"}))
      ->capture_default_str();
  data::SubwordTrainOptions& t = o.subword.train;
  app.add_option("--spm-type", a->spm_type, "SentencePiece model to train: unigram or bpe")
      ->check(CLI::IsMember({"unigram", "bpe"}))
      ->capture_default_str();
  app.add_option("--spm-vocab-size", t.vocab_size, "SentencePiece pieces per model, the 4 specials included")
      ->capture_default_str();
  app.add_flag("--spm-separate", a->spm_separate,
               "Train separate source and target models (default: one joint model on both sides)");
  app.add_option("--spm-character-coverage", t.character_coverage,
                 "Share of characters the model covers (the rest: UNK, or bytes with --spm-byte-fallback)")
      ->capture_default_str();
  app.add_option("--spm-input-sentence-size", t.input_sentence_size,
                 "Sentences the trainer samples (shuffled) from the corpus; 0: all")
      ->capture_default_str();
  app.add_option("--spm-normalization", t.normalization,
                 "SentencePiece normaliser: nmt_nfkc, nfkc, nmt_nfkc_cf, nfkc_cf or identity")
      ->check(CLI::IsMember({"nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf", "identity"}))
      ->capture_default_str();
  app.add_flag("--spm-byte-fallback", t.byte_fallback, "Unknown characters as UTF-8 byte pieces instead of UNK");
  app.add_option("--spm-seed", t.seed, "Seed of the trainer's sampling")->capture_default_str();
  app.add_option("--spm-model", o.subword.model_path,
                 "Reuse this SentencePiece model (.model) instead of training: for both sides, or the source's");
  app.add_option("--spm-model-target", o.subword.target_model_path, "Reuse this SentencePiece model for the target");
  app.add_flag("--no-normalize-digits", a->no_normalize_digits, "Keep digits (default: every ASCII digit -> 0)");
  app.add_option("--on-invalid", a->on_invalid, "Invalid UTF-8: error (stop) or skip (drop the pair, count it)")
      ->check(CLI::IsMember({"error", "skip"}))
      ->capture_default_str();
  app.add_option("--max-pairs", o.max_pairs, "Use only the first N training pairs (0: all)")->capture_default_str();
  app.add_option("--compression", o.deflate_level, "Deflate level of the arrays, 0-9")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  app.add_option("--synthetic", a->synthetic, "Generate a toy corpus instead: reverse, sort or copy-noise")
      ->check(CLI::IsMember({"reverse", "sort", "copy-noise"}));
  app.add_option("--pairs", a->syn.pairs, "Synthetic training pairs")->capture_default_str();
  app.add_option("--dev-pairs", a->syn.dev_pairs, "Synthetic dev pairs (0: no dev split)")->capture_default_str();
  app.add_option("--seed", a->syn.seed, "Synthetic corpus seed")->capture_default_str();
  app.add_option("--min-length", a->syn.min_length, "Synthetic sequence length, minimum")->capture_default_str();
  app.add_option("--max-length", a->syn.max_length, "Synthetic sequence length, maximum")->capture_default_str();
  app.add_option("--alphabet", a->syn.alphabet, "Synthetic alphabet size")->capture_default_str();
  app.add_option("--noise", a->syn.noise, "copy-noise: probability of a noise symbol before each symbol")
      ->capture_default_str();
  app.add_option("--emit-text", a->emit_text, "Also write the synthetic corpus as text: DIR/{train,dev}.{src,tgt}");
  app.add_flag("-q,--quiet", a->quiet, "No progress output (the summary is still printed)");
  return [a, &app] { return run_prepare(*a, app); };
}

}  // namespace s2s::cli
