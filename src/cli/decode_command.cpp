// Owns: `s2s decode`: greedy translation of stdin (or --input) with a checkpoint, one line in,
// one line out, as translate's decode mode (spec §8). Lines are read in chunks of 8 × --batch-size
// and decoded by GreedyDecoder::translate_batch (sentences of one bucket share a forward), so a
// huge file never has to fit in memory; outputs are written in input order. --batch-size 1 (and
// an interactive terminal on stdin) translates each line as soon as it is read, as translate does.
// Progress (sentences, sentences/s) goes to stderr when the output is not a terminal; stdout
// carries only translations: detokenised (data/detokenizer.h) unless --tokenized asks for
// translate's tokens joined by spaces. The bucket of a source is the first that training filled
// with its length (I > len) unless --bucket-rule translate asks for translate's I >= len.
// Beam search (--beam K > 1, or any of --n-best, --length-penalty, --max-length-ratio): the same
// chunks through BeamSearchDecoder; with --n-best N every sentence prints its N best hypotheses as
// `index ||| hypothesis ||| score` (index 0-based in input order, score log P / lp; docs/decoding.md).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "s2s/decode/beam_decoder.h"
#include "s2s/decode/greedy.h"
#include "s2s/dist/device_setup.h"
#include "s2s/model/model_loader.h"

namespace s2s::cli {
namespace {
using Clock = std::chrono::steady_clock;

struct DecodeOptions {
  std::string checkpoint;
  std::string dataset;
  std::string input;
  std::string output;
  std::string device = "cpu";
  std::int64_t batch_size = 64;
  double progress_seconds = 5.0;
  bool tokenized = false;
  std::string bucket_rule = "training";
  // Beam search (beam_decoder.h); all at their defaults: greedy decoding.
  std::int64_t beam = 1;
  std::int64_t n_best = 0;  // 0: not given (one line per sentence, no score)
  double length_penalty = 0.0;
  double max_length_ratio = 0.0;
  std::int64_t max_length_offset = 0;
  bool use_beam() const { return beam > 1 || n_best > 0 || length_penalty != 0.0 || max_length_ratio > 0.0; }
};

// "s2s decode: 12,800 sentences, 310.4 sentences/s" every `interval` seconds, and a summary.
class DecodeProgress {
 public:
  DecodeProgress(bool enabled, double interval) : enabled_(enabled), interval_(interval) {}
  void add(std::int64_t sentences) {
    done_ += sentences;
    if (!enabled_) return;
    const auto now = Clock::now();
    if (std::chrono::duration<double>(now - last_).count() < interval_) return;
    last_ = now;
    std::fprintf(stderr, "s2s decode: %lld sentences, %.1f sentences/s\n", static_cast<long long>(done_), rate());
    std::fflush(stderr);
  }
  void finish(std::int64_t batch_size) const {
    if (!enabled_) return;
    std::fprintf(stderr, "s2s decode: done, %lld sentences in %.1f s (%.1f sentences/s, batch size %lld)\n",
                 static_cast<long long>(done_), seconds(), rate(), static_cast<long long>(batch_size));
  }

 private:
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double rate() const { return seconds() > 0 ? static_cast<double>(done_) / seconds() : 0.0; }
  bool enabled_;
  double interval_;
  std::int64_t done_ = 0;
  Clock::time_point start_ = Clock::now(), last_ = Clock::now();
};

int run_decode(const DecodeOptions& o) {
  std::optional<std::string> dataset;
  if (!o.dataset.empty()) dataset = o.dataset;
  const Device device = o.device == "cuda" ? Device::CUDA : Device::CPU;
  dist::prepare_device(device, nullptr, "--device");
  model::LoadedModel loaded = model::load_model(o.checkpoint, dataset, device);
  decode::GreedyDecoder decoder(*loaded.model, *loaded.dataset);
  decoder.set_bucket_rule(data::decode_bucket_rule_from_name(o.bucket_rule));
  decode::BeamDecodeOptions beam_options;
  beam_options.beam.beam_size = o.beam;
  beam_options.beam.n_best = std::max<std::int64_t>(1, o.n_best);
  beam_options.beam.length_penalty = o.length_penalty;
  beam_options.batch_size = o.batch_size;
  beam_options.max_length_ratio = o.max_length_ratio;
  beam_options.max_length_offset = o.max_length_offset;
  beam_options.bucket_rule = data::decode_bucket_rule_from_name(o.bucket_rule);
  S2S_CHECK(beam_options.beam.n_best <= o.beam, "--n-best ", o.n_best, " exceeds --beam ", o.beam);
  decode::BeamSearchDecoder beam_decoder(*loaded.model, *loaded.dataset, beam_options);
  std::int64_t sentence_index = 0;
  std::ifstream in_file;
  std::istream* in = &std::cin;
  if (!o.input.empty()) {
    in_file.open(o.input);
    S2S_CHECK(in_file.good(), "cannot open input file ", o.input);
    in = &in_file;
  }
  std::ofstream out_file;
  std::ostream* out = &std::cout;
  if (!o.output.empty()) {
    out_file.open(o.output);
    S2S_CHECK(out_file.good(), "cannot write output file ", o.output);
    out = &out_file;
  }
  std::cerr << "s2s decode: " << loaded.checkpoint_path << " (step " << loaded.global_step << ")\n";
  // Someone typing on stdin waits for each answer; a file or a pipe is read ahead.
  const bool interactive = o.input.empty() && ::isatty(STDIN_FILENO) != 0;
  const std::size_t chunk = (o.batch_size == 1 || interactive) ? 1 : 8 * static_cast<std::size_t>(o.batch_size);
  const bool output_is_terminal = o.output.empty() && ::isatty(STDOUT_FILENO) != 0;
  DecodeProgress progress(o.progress_seconds > 0 && !interactive && !output_is_terminal, o.progress_seconds);
  std::vector<std::string> lines;
  lines.reserve(chunk);
  auto decode_chunk_beam = [&] {
    const std::vector<decode::BeamTranslation> ts = beam_decoder.translate_batch(lines);
    for (const decode::BeamTranslation& t : ts) {
      if (!t.warning.empty()) std::cerr << t.warning << "\n";
      for (std::size_t h = 0; h < t.texts.size(); ++h) {
        if (o.n_best > 0) {
          char score[32];
          std::snprintf(score, sizeof score, "%.6f", t.hypotheses[h].score);
          *out << sentence_index << " ||| " << (o.tokenized ? t.tokenized[h] : t.texts[h]) << " ||| " << score << "\n";
        } else {
          *out << (o.tokenized ? t.tokenized[h] : t.texts[h]) << "\n";
        }
      }
      ++sentence_index;
    }
    out->flush();
    progress.add(static_cast<std::int64_t>(lines.size()));
    lines.clear();
  };
  auto decode_chunk = [&] {
    if (o.use_beam()) return decode_chunk_beam();
    const std::vector<decode::Translation> ts = decoder.translate_batch(lines, o.batch_size);
    for (const decode::Translation& t : ts) {
      if (!t.warning.empty()) std::cerr << t.warning << "\n";
      *out << (o.tokenized ? t.tokenized : t.text) << "\n";
    }
    out->flush();
    progress.add(static_cast<std::int64_t>(lines.size()));
    lines.clear();
  };
  std::string line;
  while (std::getline(*in, line)) {
    lines.push_back(std::move(line));
    if (lines.size() >= chunk) decode_chunk();
  }
  if (!lines.empty()) decode_chunk();
  S2S_CHECK(out->good(), "writing the output failed", o.output.empty() ? std::string() : " (" + o.output + ")");
  progress.finish(o.batch_size);
  return 0;
}
}  // namespace

CommandRunner setup_decode(CLI::App& app) {
  auto o = std::make_shared<DecodeOptions>();
  app.add_option("--checkpoint", o->checkpoint, "checkpoint file, or a train_dir (its latest)")->required();
  app.add_option("--dataset", o->dataset, "a dataset whose vocabularies must equal the model file's (not needed: checkpoints and exports carry their own; format-1 checkpoints need the one they were trained on)");
  app.add_option("--input,-i", o->input, "input file (default: stdin), one sentence per line");
  app.add_option("--output,-o", o->output, "output file (default: stdout)");
  app.add_option("--device", o->device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  app.add_option("--batch-size,-b", o->batch_size,
                 "sentences of one bucket decoded by one forward (1: each line translated as soon as it is read, "
                 "as translate does; use it when a program on stdin waits for each answer)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--progress", o->progress_seconds,
                 "seconds between progress lines on stderr when the output is not a terminal (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--tokenized", o->tokenized,
               "print the target tokens joined by spaces, as translate does (default: detokenised text; "
               "docs/dataset-format.md lists the rules)");
  app.add_option("--bucket-rule", o->bucket_rule,
                 "bucket of a source of length len: training = the first with I > len, the one training filled "
                 "with that length; translate = the first with I >= len, as translate's decode()")
      ->check(CLI::IsMember({"training", "translate"}))
      ->capture_default_str();
  app.add_option("--beam", o->beam, "beam size k (1: greedy decoding unless another beam option is given)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 10))
      ->capture_default_str();
  app.add_option("--n-best", o->n_best,
                 "print the N best hypotheses of each sentence as `index ||| hypothesis ||| score` (N <= --beam)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 10));
  app.add_option("--length-penalty,--alpha", o->length_penalty,
                 "GNMT length penalty alpha: scores are log P / ((5 + |Y|) / 6)^alpha (0: plain log P)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--max-length-ratio", o->max_length_ratio,
                 "beam search max output length = ceil(ratio * source tokens) + --max-length-offset "
                 "(0: the bucket's decoder size, as greedy decoding)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--max-length-offset", o->max_length_offset, "added to the ratio's max length (see --max-length-ratio)")
      ->capture_default_str();
  return [o] { return run_decode(*o); };
}

}  // namespace s2s::cli
