#pragma once
// Owns: where a training run reports to, on rank 0 only: stdout (the progress display of
// metrics.h: a live bar on a person's terminal, timestamped periodic lines otherwise),
// metrics.jsonl and TensorBoard event files in train_dir, and the checkpoint / evaluation /
// validation summaries (translate's lines, BLEU/chrF). Other ranks construct it as a no-op.
// Communication metrics (train/comm_hidden_fraction) are written only when there is communication
// (world size > 1): a one-rank run has none, and a 0 would read as "nothing hidden".
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "s2s/dist/gradient_reducer.h"
#include "s2s/config/config.h"
#include "s2s/eval/evaluate.h"
#include "s2s/train/early_stopping.h"
#include "s2s/train/metrics.h"
#include "s2s/train/run_state.h"
#include "s2s/train/validation.h"

namespace s2s::train {

class EventFileWriter;
class JsonlWriter;

struct StepReport {
  std::int64_t step = 0;
  int bucket = 0;
  double loss = 0;
  double learning_rate = 0;
  double grad_norm = 0;
  double tokens = 0;
  double step_seconds = 0;
  bool skipped = false;
  dist::ReduceStats reduce;
};

class TrainingLog {
 public:
  TrainingLog(const config::TrainConfig& config, bool enabled, std::int64_t start_step, int world_size = 1,
              ProgressMode progress = ProgressMode::Auto);
  ~TrainingLog();
  void step(const StepReport& r);
  void checkpoint_line(const LoopState& window, double learning_rate, double step_time_s);
  void saved(const std::string& path, std::int64_t step);
  void evaluation(const std::string& kind, const std::vector<eval::BucketEval>& buckets, std::int64_t step);
  // One validation: BLEU/chrF (and the dev perplexity of this checkpoint when known, else NaN)
  // on the terminal, as a {"kind": "validation"} record in metrics.jsonl and as validation/*
  // TensorBoard scalars, with the best-so-far record after it.
  void validation(const ValidationScores& scores, double dev_perplexity, std::string_view decoder,
                  const ValidationState& state, config::BestMetric metric, bool improved, std::int64_t step);
  void message(const std::string& line);
  void finish(const dist::GradientReducer& reducer);  // its totals, then flush

 private:
  bool enabled_;
  const config::TrainConfig& config_;
  std::int64_t start_step_;
  int world_size_;
  std::chrono::steady_clock::time_point start_;
  std::unique_ptr<ProgressPrinter> progress_;
  std::unique_ptr<JsonlWriter> jsonl_;
  std::unique_ptr<EventFileWriter> events_;
};

}  // namespace s2s::train
