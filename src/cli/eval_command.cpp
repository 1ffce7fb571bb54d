// Owns: `s2s eval`: the full-softmax perplexity of a checkpoint (or export), per bucket and overall
// (spec §11.9), as a table or JSON, on
//   - a dataset split (--dataset, --split), or
//   - parallel text (--source, --target), tokenized and bucketed with the model file's own
//     tokenizer, vocabularies and buckets (eval/text_split.h); then also corpus BLEU and chrF2
//     (sacrebleu's defaults, score/) of the greedy translations of --source against --target.
// No dataset is needed with --source/--target: the model file carries what decoding needs.
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "s2s/core/environment.h"
#include "s2s/decode/greedy.h"
#include "s2s/dist/device_setup.h"
#include "s2s/dist/world.h"
#include "s2s/eval/evaluate.h"
#include "s2s/eval/text_split.h"
#include "s2s/model/model_loader.h"
#include "s2s/score/bleu.h"
#include "s2s/score/chrf.h"
#include "s2s/score/corpus_file.h"

namespace s2s::cli {
namespace {
struct EvalOptions {
  std::string checkpoint;
  std::string dataset;
  std::string split = "dev";
  std::string source, target;
  std::int64_t batch_size = 64;
  bool json = false;
  std::string device = "cpu";
};

// A private folder under $TMPDIR for the tokenized text, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = env_value("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/s2s-eval-XXXXXX";
    S2S_CHECK(::mkdtemp(tmpl.data()) != nullptr, "cannot create a temporary folder ", tmpl);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct TranslationScores {
  score::BleuScore bleu;
  score::ChrfScore chrf;
  std::size_t segments = 0;
};

// Greedy translations of every --source line, scored against the --target lines.
TranslationScores score_greedy(model::LoadedModel& m, const EvalOptions& o) {
  const auto sources = score::read_segments(o.source);
  const auto refs = score::read_segments(o.target);
  score::check_same_line_counts(o.source, sources.size(), {o.target}, {refs.size()});
  decode::GreedyDecoder decoder(*m.model, *m.dataset);
  std::vector<std::string> hyps;
  hyps.reserve(sources.size());
  for (const decode::Translation& t : decoder.translate_batch(sources, o.batch_size)) hyps.push_back(t.text);
  TranslationScores s;
  s.bleu = score::corpus_bleu(hyps, {refs});
  s.chrf = score::corpus_chrf(hyps, {refs});
  s.segments = hyps.size();
  return s;
}

int run_eval(const EvalOptions& o) {
  S2S_CHECK(o.source.empty() == o.target.empty(), "--source and --target go together (given only ",
            o.source.empty() ? "--target" : "--source", ")");
  const bool text = !o.source.empty();
  dist::World world(dist::world_options_from_environment());
  std::optional<std::string> dataset;
  if (!o.dataset.empty()) dataset = o.dataset;
  const Device device = o.device == "cuda" ? Device::CUDA : Device::CPU;
  dist::prepare_device(device, &world, "--device");
  model::LoadedModel m = model::load_model(o.checkpoint, dataset, device);
  // Without text or --dataset: the dev split of the dataset the run trained on, where it still is
  // (checked against the model file's vocabularies like a given one).
  if (!text && !dataset && m.dataset->splits().empty() && std::filesystem::exists(m.named_dataset))
    m = model::load_model(o.checkpoint, m.named_dataset, device);

  std::optional<ScratchDir> scratch;
  std::shared_ptr<const data::Dataset> eval_data = m.dataset;
  std::string split = o.split, split_name = o.split;
  std::optional<data::SplitStats> text_stats;
  if (text) {
    scratch.emplace();
    eval::TextSplit ts = eval::text_split(*m.dataset, o.source, o.target, scratch->path());
    eval_data = ts.dataset;
    text_stats = ts.stats;
    split = "train";  // text_split's one split
    split_name = o.source + " -> " + o.target;
  } else {
    S2S_CHECK(m.dataset->has_split(o.split), m.dataset->splits().empty()
                                                 ? "nothing to evaluate: the dataset the checkpoint names, " +
                                                       m.named_dataset +
                                                       ", does not exist here; pass --source and --target (parallel "
                                                       "text), or --dataset with a '" + o.split + "' split"
                                                 : "dataset " + m.dataset->path() + " has no split '" + o.split + "'");
  }
  auto buckets = eval::evaluate_full(*m.model, eval_data, split, o.batch_size, world);
  auto all = eval::overall(buckets);
  // An Inf/NaN loss is a broken model, not a result: report it (after the numbers) and fail.
  const bool finite = std::isfinite(all.loss) && std::isfinite(all.perplexity);
  auto finish = [&]() -> int {
    if (finite) return 0;
    if (world.is_root())
      std::fprintf(stderr, "s2s eval: error: %s: the %s loss is not finite (loss %g, perplexity %g): the checkpoint's "
                   "model is broken (e.g. trained with too large a learning rate)\n",
                   m.checkpoint_path.c_str(), split_name.c_str(), all.loss, all.perplexity);
    return 1;
  };
  if (!world.is_root()) return finish();
  std::optional<TranslationScores> scores;
  if (text) scores = score_greedy(m, o);
  if (o.json) {
    nlohmann::json j;
    j["checkpoint"] = m.checkpoint_path;
    j["step"] = m.global_step;
    if (text) {
      j["source"] = o.source;
      j["target"] = o.target;
      j["pairs"] = text_stats->pairs_read;
      j["pairs_too_long"] = text_stats->pairs_too_long;
      j["pairs_empty"] = text_stats->pairs_empty;
    } else {
      j["split"] = o.split;
    }
    for (const auto& b : buckets)
      j["buckets"].push_back({{"bucket", b.bucket}, {"examples", b.examples}, {"tokens", b.tokens},
                              {"loss", b.loss}, {"perplexity", b.perplexity}});
    j["overall"] = {{"examples", all.examples}, {"tokens", all.tokens}, {"loss", all.loss}, {"perplexity", all.perplexity}};
    if (scores) {
      j["bleu"] = {{"score", scores->bleu.score}, {"signature", score::bleu_signature(1)},
                   {"formatted", score::format_bleu(scores->bleu)}};
      j["chrf"] = {{"score", scores->chrf.score}, {"signature", score::chrf_signature(1)},
                   {"formatted", score::format_chrf(scores->chrf)}};
      j["decoding"] = "greedy";
      j["segments"] = scores->segments;
    }
    std::printf("%s\n", j.dump(2).c_str());
    return finish();
  }
  std::printf("%s (step %lld), %s, full softmax\n", m.checkpoint_path.c_str(), static_cast<long long>(m.global_step),
              text ? split_name.c_str() : ("split " + split_name).c_str());
  if (text_stats && (text_stats->pairs_too_long > 0 || text_stats->pairs_empty > 0))
    std::printf("perplexity over %lld of %lld pairs (%lld fit no bucket, %lld have an empty side)\n",
                static_cast<long long>(text_stats->pairs_kept), static_cast<long long>(text_stats->pairs_read),
                static_cast<long long>(text_stats->pairs_too_long), static_cast<long long>(text_stats->pairs_empty));
  std::printf("%-8s %10s %10s %10s %12s\n", "bucket", "examples", "tokens", "loss", "perplexity");
  for (const auto& b : buckets)
    std::printf("%-8d %10lld %10.0f %10.4f %12.3f\n", b.bucket, static_cast<long long>(b.examples), b.tokens, b.loss,
                b.perplexity);
  std::printf("%-8s %10lld %10.0f %10.4f %12.3f\n", "all", static_cast<long long>(all.examples), all.tokens, all.loss,
              all.perplexity);
  if (scores) {
    std::printf("greedy decoding of %zu lines:\n", scores->segments);
    std::printf("%s\n%s\n", score::format_bleu(scores->bleu, 2, score::bleu_signature(1)).c_str(),
                score::format_chrf(scores->chrf, 2, score::chrf_signature(1)).c_str());
  }
  return finish();
}
}  // namespace

CommandRunner setup_eval(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  app.add_option("--checkpoint", o->checkpoint, "checkpoint file, a train_dir (its latest), or an export")->required();
  app.add_option("--dataset", o->dataset,
                 "dataset whose --split to evaluate (its vocabularies must equal the model's); not needed with "
                 "--source/--target");
  app.add_option("--split", o->split, "split of --dataset to evaluate")->capture_default_str();
  app.add_option("--source", o->source,
                 "source text, one sentence per line: perplexity of --target given it, and BLEU/chrF of its greedy "
                 "translations against --target");
  app.add_option("--target", o->target, "reference translations, one per --source line");
  app.add_option("--batch-size", o->batch_size, "examples per forward pass")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--json", o->json, "print JSON instead of a table");
  app.add_option("--device", o->device, "cpu or cuda")->capture_default_str()->check(CLI::IsMember({"cpu", "cuda"}));
  return [o] { return run_eval(*o); };
}

}  // namespace s2s::cli
