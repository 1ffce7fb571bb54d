#pragma once
// Owns: what a training step reports and how it is shown to a person: the metrics of one step,
// translate's perplexity rule, the log-line formatter, and a progress display that is a live
// single line on a terminal and plain periodic lines otherwise (logs, Slurm output files).
// Does not own: machine-readable outputs (jsonl_writer.h, event_writer.h).
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace s2s::train {

struct StepMetrics {
  std::int64_t step = 0;        // global step after this update
  int bucket = -1;              // bucket of this step (-1: not a single bucket, e.g. an average)
  double loss = 0;
  double learning_rate = 0;
  double grad_norm = 0;         // global norm before clipping
  double tokens = 0;            // target tokens in this step, all ranks
  double step_time_s = 0;
  double elapsed_s = 0;         // since this run started
  std::int64_t start_step = 0;  // global step when this run started (resumes start > 0)
  std::int64_t max_steps = 0;   // 0: open-ended, no ETA
};

// translate: exp(loss) if loss < 300 else inf.
double perplexity(double loss);
double tokens_per_second(const StepMetrics& m);
// Remaining seconds from the average step time of this run; nullopt when unknown.
std::optional<double> eta_seconds(const StepMetrics& m);
// "45s", "12m05s", "3h02m", "2d04h"; "-" for a negative or non-finite duration.
std::string format_duration(double seconds);
// "step 1200 | bucket 2 | loss 4.1234 | ppl 61.78 | lr 0.5 | gnorm 3.21 | 12.3k tok/s |
//  0.123 s/step | elapsed 2m03s | ETA 1h05m" (bucket and ETA only when known).
std::string format_log_line(const StepMetrics& m);
// translate's checkpoint line: "global step 200 learning rate 0.5000 step-time 0.12 perplexity 61.78".
std::string format_translate_line(std::int64_t step, double learning_rate, double step_time_s,
                                  double loss);

class ProgressPrinter {
 public:
  // tty: nullopt detects with isatty(fileno(out)). Non-TTY output prints format_log_line every
  // `log_every` steps (0: never; the trainer's checkpoint lines still go through message()).
  ProgressPrinter(std::FILE* out, std::int64_t log_every, std::optional<bool> tty = std::nullopt,
                  double min_redraw_s = 0.1);
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

  void step(const StepMetrics& m);
  // A permanent line (checkpoint and eval summaries); on a TTY the live line is redrawn below it.
  void message(const std::string& line);
  // Ends the live line (called by the destructor too).
  void finish();
  bool is_tty() const { return tty_; }

 private:
  std::string bar_line(const StepMetrics& m) const;
  void draw(const std::string& line);
  std::FILE* out_;
  std::int64_t log_every_;
  bool tty_;
  double min_redraw_s_;
  double last_draw_s_ = -1e300;
  std::string live_;  // what the live line shows now ("" when none)
};

}  // namespace s2s::train
