// Owns: step-metric arithmetic (perplexity, throughput, ETA), the human log line, and the
// progress printer with its modes (see metrics.h).
#include "s2s/train/metrics.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "s2s/core/error.h"
#include "s2s/core/timestamp.h"
#include "s2s/dist/log.h"

namespace s2s::train {
namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string compact_count(double v) {
  if (!std::isfinite(v)) return "-";
  if (v >= 1e9) return fmt::format("{:.1f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

int terminal_width(std::FILE* out) {
  struct winsize w {};
  if (::ioctl(fileno(out), TIOCGWINSZ, &w) == 0 && w.ws_col > 20) return w.ws_col;
  return 120;
}

}  // namespace

double perplexity(double loss) {
  return loss < 300 ? std::exp(loss) : std::numeric_limits<double>::infinity();
}

double tokens_per_second(const StepMetrics& m) {
  return m.step_time_s > 0 ? m.tokens / m.step_time_s : 0.0;
}

std::optional<double> eta_seconds(const StepMetrics& m) {
  const std::int64_t done = m.step - m.start_step;
  if (m.max_steps <= 0 || done <= 0 || m.elapsed_s <= 0) return std::nullopt;
  const std::int64_t left = std::max<std::int64_t>(0, m.max_steps - m.step);
  return static_cast<double>(left) * m.elapsed_s / static_cast<double>(done);
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "-";
  const auto total = static_cast<std::int64_t>(std::llround(s));
  const std::int64_t d = total / 86400, h = total / 3600 % 24, m = total / 60 % 60, sec = total % 60;
  if (d > 0) return fmt::format("{}d{:02}h", d, h);
  if (h > 0) return fmt::format("{}h{:02}m", h, m);
  if (m > 0) return fmt::format("{}m{:02}s", m, sec);
  return fmt::format("{}s", sec);
}

std::string format_log_line(const StepMetrics& m) {
  std::string s = fmt::format("step {}", m.step);
  if (m.bucket >= 0) s += fmt::format(" | bucket {}", m.bucket);
  const double ppl = perplexity(m.loss);
  s += fmt::format(" | loss {:.4f} | ppl {}", m.loss, std::isinf(ppl) ? std::string("inf") : fmt::format("{:.2f}", ppl));
  s += fmt::format(" | lr {:.4g} | gnorm {:.3g}", m.learning_rate, m.grad_norm);
  s += fmt::format(" | {} tok/s | {:.3f} s/step | elapsed {}", compact_count(tokens_per_second(m)),
                   m.step_time_s, format_duration(m.elapsed_s));
  if (auto eta = eta_seconds(m)) s += " | ETA " + format_duration(*eta);
  return s;
}

std::string format_translate_line(std::int64_t step, double learning_rate, double step_time_s, double loss) {
  const double ppl = perplexity(loss);
  return fmt::format("global step {} learning rate {:.4f} step-time {:.2f} perplexity {}", step,
                     learning_rate, step_time_s, std::isinf(ppl) ? std::string("inf") : fmt::format("{:.2f}", ppl));
}

ProgressMode parse_progress_mode(std::string_view text) {
  for (ProgressMode m : {ProgressMode::Auto, ProgressMode::Bar, ProgressMode::Plain, ProgressMode::None})
    if (text == to_string(m)) return m;
  S2S_FAIL("--progress: expected auto, bar, plain or none, got '", text, "'");
}

std::string_view to_string(ProgressMode mode) {
  switch (mode) {
    case ProgressMode::Auto: return "auto";
    case ProgressMode::Bar: return "bar";
    case ProgressMode::Plain: return "plain";
    case ProgressMode::None: return "none";
  }
  return "?";
}

ProgressMode resolve_progress_mode(ProgressMode requested, bool out_is_tty, bool under_launcher) {
  if (requested != ProgressMode::Auto) return requested;
  return out_is_tty && !under_launcher ? ProgressMode::Bar : ProgressMode::Plain;
}

ProgressPrinter::ProgressPrinter(std::FILE* out, std::int64_t log_every, ProgressMode mode, double min_redraw_s,
                                 Stamp stamp)
    : out_(out), log_every_(log_every),
      mode_(resolve_progress_mode(mode, ::isatty(fileno(out)) == 1, dist::started_by_launcher())),
      stamp_(stamp ? std::move(stamp) : Stamp(utc_timestamp_now)), min_redraw_s_(min_redraw_s) {}

void ProgressPrinter::print_line(const std::string& text) {
  std::fprintf(out_, "%s %s\n", stamp_().c_str(), text.c_str());
  std::fflush(out_);
}

ProgressPrinter::~ProgressPrinter() { finish(); }

std::string ProgressPrinter::bar_line(const StepMetrics& m) const {
  std::string line = format_log_line(m);
  if (m.max_steps > 0) {
    constexpr int kWidth = 20;
    const double frac = std::clamp(static_cast<double>(m.step) / static_cast<double>(m.max_steps), 0.0, 1.0);
    const int filled = static_cast<int>(frac * kWidth);
    line = fmt::format("[{}{}] {:3.0f}% ", std::string(filled, '#'), std::string(kWidth - filled, '.'),
                       frac * 100) + line;
  }
  return line;
}

void ProgressPrinter::draw(const std::string& line) {
  const auto width = static_cast<std::size_t>(terminal_width(out_) - 1);
  live_ = line.size() > width ? line.substr(0, width) : line;
  std::fprintf(out_, "\r%s\x1b[K", live_.c_str());
  std::fflush(out_);
}

void ProgressPrinter::step(const StepMetrics& m) {
  if (mode_ == ProgressMode::None) return;
  if (mode_ == ProgressMode::Plain) {
    if (log_every_ > 0 && m.step % log_every_ == 0) print_line(format_log_line(m));
    return;
  }
  const double t = now_s();
  if (t - last_draw_s_ < min_redraw_s_) return;
  last_draw_s_ = t;
  draw(bar_line(m));
}

void ProgressPrinter::message(const std::string& line) {
  if (!live_.empty()) {  // Bar with a live line: clear it, print above it, redraw it below
    const std::string live = live_;
    std::fprintf(out_, "\r\x1b[K");
    print_line(line);
    draw(live);
    return;
  }
  print_line(line);
}

void ProgressPrinter::finish() {
  if (!live_.empty()) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
    live_.clear();
  }
}

}  // namespace s2s::train
