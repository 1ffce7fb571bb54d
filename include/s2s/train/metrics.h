#pragma once
// Owns: what a training step reports and how it is shown to a person: the metrics of one step,
// translate's perplexity rule, the log-line formatter, and the progress display of
// `s2s train --progress auto|bar|plain|none`: a live single line on a person's terminal, plain
// timestamped periodic lines otherwise (logs, mpirun and Slurm output files).
// Does not own: machine-readable outputs (jsonl_writer.h, event_writer.h).
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

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
  std::int64_t exchanged_bytes = -1;  // bytes this rank passed to gradient collectives (-1: one rank)
  // Row-sparse exchange of the step (dist.sparse_gradients; -1: off): tensors, of which dense,
  // ids this rank sent (ΣK), union rows sent as rows (ΣU): docs/scaling.md's byte formula inputs.
  std::int64_t sparse_tensors = -1, sparse_dense_tensors = -1, sparse_ids = -1, sparse_union_rows = -1;
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

// Bar: one live line redrawn in place ('\r', ESC[K). Plain: format_log_line every log_every steps.
// None: no step lines. Every mode prints the permanent lines (checkpoint, evaluation) of message().
// Auto: Bar on a terminal outside a job launcher, else Plain (resolve_progress_mode).
enum class ProgressMode { Auto, Bar, Plain, None };
// "auto", "bar", "plain", "none"; anything else throws naming the accepted values.
ProgressMode parse_progress_mode(std::string_view text);
std::string_view to_string(ProgressMode mode);
// Auto -> Bar only when `out_is_tty` and not `under_launcher` (mpirun gives each rank a
// pseudo-terminal, so isatty alone would draw the bar into log files); other modes unchanged.
ProgressMode resolve_progress_mode(ProgressMode requested, bool out_is_tty, bool under_launcher);

class ProgressPrinter {
 public:
  using Stamp = std::function<std::string()>;
  // mode Auto is resolved with isatty(fileno(out)) and dist::started_by_launcher(). Plain prints
  // format_log_line every `log_every` steps (0: never). Every permanent line starts with
  // stamp() and a space (default: core/timestamp.h's UTC time; tests pass a fixed one); the live
  // bar carries no stamp.
  ProgressPrinter(std::FILE* out, std::int64_t log_every, ProgressMode mode = ProgressMode::Auto,
                  double min_redraw_s = 0.1, Stamp stamp = {});
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

  void step(const StepMetrics& m);
  // A permanent line (checkpoint and eval summaries); on a TTY the live line is redrawn below it.
  void message(const std::string& line);
  // Ends the live line (called by the destructor too).
  void finish();
  ProgressMode mode() const { return mode_; }  // resolved: Bar, Plain or None

 private:
  std::string bar_line(const StepMetrics& m) const;
  void draw(const std::string& line);
  void print_line(const std::string& text);  // stamp, text, newline
  std::FILE* out_;
  std::int64_t log_every_;
  ProgressMode mode_;
  Stamp stamp_;
  double min_redraw_s_;
  double last_draw_s_ = -1e300;
  std::string live_;  // what the live line shows now ("" when none)
};

}  // namespace s2s::train
