// Owns: rank 0's training reports (see training_log.h).
#include "s2s/train/training_log.h"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "s2s/train/event_writer.h"
#include "s2s/train/jsonl_writer.h"

namespace s2s::train {

TrainingLog::TrainingLog(const config::TrainConfig& config, bool enabled, std::int64_t start_step, int world_size,
                         ProgressMode progress)
    : enabled_(enabled), config_(config), start_step_(start_step), world_size_(world_size),
      start_(std::chrono::steady_clock::now()) {
  if (!enabled_) return;
  std::filesystem::create_directories(config.train.train_dir);
  progress_ = std::make_unique<ProgressPrinter>(stdout, config.train.log_every, progress);
  jsonl_ = std::make_unique<JsonlWriter>(config.train.train_dir + "/metrics.jsonl");
  events_ = std::make_unique<EventFileWriter>(config.train.train_dir);
}

TrainingLog::~TrainingLog() = default;

void TrainingLog::step(const StepReport& r) {
  if (!enabled_) return;
  StepMetrics m;
  m.step = r.step;
  m.bucket = r.bucket;
  m.loss = r.loss;
  m.learning_rate = r.learning_rate;
  m.grad_norm = r.grad_norm;
  m.tokens = r.tokens;
  m.step_time_s = r.step_seconds;
  m.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  m.start_step = start_step_;
  m.max_steps = config_.train.max_steps;
  if (world_size_ > 1) m.exchanged_bytes = static_cast<std::int64_t>(r.reduce.exchanged_bytes());
  if (r.reduce.sparse_tensors > 0) {
    m.sparse_tensors = static_cast<std::int64_t>(r.reduce.sparse_tensors);
    m.sparse_dense_tensors = static_cast<std::int64_t>(r.reduce.sparse_dense_tensors);
    m.sparse_ids = static_cast<std::int64_t>(r.reduce.sparse_ids);
    m.sparse_union_rows = static_cast<std::int64_t>(r.reduce.sparse_union_rows);
  }
  progress_->step(m);
  if (r.skipped) progress_->message(fmt::format("step {}: non-finite loss or gradient, update skipped", r.step));
  jsonl_->write_step(m);
  std::vector<std::pair<std::string, double>> scalars{{"train/loss", r.loss},
                                                      {"train/perplexity", perplexity(r.loss)},
                                                      {"train/learning_rate", r.learning_rate},
                                                      {"train/grad_norm", r.grad_norm},
                                                      {"train/tokens_per_s", tokens_per_second(m)}};
  if (world_size_ > 1) {
    scalars.emplace_back("train/comm_hidden_fraction", r.reduce.hidden_fraction());
    scalars.emplace_back("train/exchanged_bytes", double(r.reduce.exchanged_bytes()));
  }
  events_->add_scalars(scalars, r.step);
}

void TrainingLog::checkpoint_line(const LoopState& window, double learning_rate, double step_time_s) {
  if (!enabled_) return;
  progress_->message(format_translate_line(window.global_step, learning_rate, step_time_s, window.window_loss()));
}

void TrainingLog::saved(const std::string& path, std::int64_t step) {
  if (!enabled_ || path.empty()) return;
  progress_->message(fmt::format("checkpoint {} (step {})", path, step));
  events_->flush();
}

void TrainingLog::evaluation(const std::string& kind, const std::vector<eval::BucketEval>& buckets, std::int64_t step) {
  if (!enabled_) return;
  std::vector<std::pair<std::string, double>> scalars;
  nlohmann::json record{{"kind", "eval"}, {"eval", kind}, {"step", step}};
  for (const auto& b : buckets) {
    progress_->message(fmt::format("  eval ({}): bucket {} perplexity {:.2f}", kind, b.bucket, b.perplexity));
    scalars.emplace_back(fmt::format("eval_{}/bucket_{}/perplexity", kind, b.bucket), b.perplexity);
    record["buckets"].push_back({{"bucket", b.bucket}, {"loss", b.loss}, {"perplexity", b.perplexity},
                                 {"examples", b.examples}, {"tokens", b.tokens}});
  }
  if (kind == "full" && !buckets.empty()) {
    const eval::BucketEval all = overall(buckets);
    progress_->message(fmt::format("  eval (full): dev perplexity {:.3f} over {} examples, {:.0f} tokens",
                                   all.perplexity, all.examples, all.tokens));
    scalars.emplace_back("eval_full/perplexity", all.perplexity);
    record["perplexity"] = all.perplexity;
  }
  jsonl_->write(record);
  events_->add_scalars(scalars, step);
  events_->flush();
}

void TrainingLog::validation(const ValidationScores& v, double dev_perplexity, std::string_view decoder,
                             const ValidationState& state, config::BestMetric metric, bool improved, std::int64_t step) {
  if (!enabled_) return;
  const std::string ppl = std::isnan(dev_perplexity) ? std::string() : fmt::format(" dev perplexity {:.3f}", dev_perplexity);
  progress_->message(fmt::format("  validation ({}, {} sentences, {:.1f} s): BLEU {:.2f} chrF {:.2f}{}; best {} {:.4g} at step {}{}",
                                 decoder, v.sentences, v.seconds, v.bleu, v.chrf, ppl, config::to_string(metric),
                                 state.best, state.best_step, improved ? " (new best)" : fmt::format(
                                     " ({} validation(s) without improvement)", state.since_best)));
  nlohmann::json record{{"kind", "validation"}, {"step", step}, {"decoder", decoder}, {"bleu", v.bleu},
                        {"chrf", v.chrf}, {"sentences", v.sentences}, {"hyp_tokens", v.hypothesis_tokens},
                        {"ref_tokens", v.reference_tokens}, {"seconds", v.seconds},
                        {"best_metric", config::to_string(metric)}, {"best", state.best}, {"best_step", state.best_step},
                        {"validations_since_best", state.since_best}, {"improved", improved}};
  std::vector<std::pair<std::string, double>> scalars{{"validation/bleu", v.bleu}, {"validation/chrf", v.chrf}};
  if (!std::isnan(dev_perplexity)) {
    record["perplexity"] = dev_perplexity;
    scalars.emplace_back("validation/perplexity", dev_perplexity);
  }
  jsonl_->write(record);
  events_->add_scalars(scalars, step);
  events_->flush();
}

void TrainingLog::message(const std::string& line) {
  if (enabled_) progress_->message(line);
}

void TrainingLog::finish(const dist::GradientReducer& reducer) {
  if (!enabled_) return;
  progress_->message(reducer.name() == "none" ? std::string("gradient all-reduce: none (one rank)")
                                              : "gradient all-reduce: " + reducer.totals().summary());
  progress_->finish();
  events_->flush();
}

}  // namespace s2s::train
