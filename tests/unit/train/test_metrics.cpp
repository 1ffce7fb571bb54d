// Metrics: translate's perplexity rule, formatting, throughput/ETA arithmetic, the progress printer
// in each mode (bar forced, plain and none on a file, timestamps from a fixed stamp), the auto
// rule, and the JSON-lines writer parsed back with nlohmann.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "s2s/core/error.h"
#include "s2s/train/jsonl_writer.h"
#include "s2s/train/metrics.h"

using namespace s2s::train;
using ::testing::HasSubstr;

namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) s.append(buf, n);
  return s;
}

StepMetrics sample(std::int64_t step) {
  StepMetrics m;
  m.step = step;
  m.bucket = 2;
  m.loss = 4.0;
  m.learning_rate = 0.5;
  m.grad_norm = 3.25;
  m.tokens = 6400;
  m.step_time_s = 0.5;
  m.elapsed_s = 100;
  m.start_step = 0;
  m.max_steps = 1000;
  return m;
}

}  // namespace

TEST(Metrics, TranslatePerplexityRule) {
  EXPECT_DOUBLE_EQ(perplexity(0), 1.0);
  EXPECT_DOUBLE_EQ(perplexity(std::log(61.5)), 61.5);
  EXPECT_NEAR(perplexity(299.9), std::exp(299.9), std::exp(299.9) * 1e-15);
  EXPECT_TRUE(std::isinf(perplexity(300)));
  EXPECT_TRUE(std::isinf(perplexity(1e9)));
}

TEST(Metrics, ThroughputEtaAndDurations) {
  StepMetrics m = sample(200);
  EXPECT_DOUBLE_EQ(tokens_per_second(m), 12800);
  EXPECT_DOUBLE_EQ(*eta_seconds(m), 400.0);  // 800 steps left at 0.5 s/step averaged over 200
  m.start_step = 100;                        // resumed at 100: 100 steps took 100 s
  EXPECT_DOUBLE_EQ(*eta_seconds(m), 800.0);
  m.max_steps = 0;
  EXPECT_FALSE(eta_seconds(m));
  EXPECT_EQ(format_duration(45.2), "45s");
  EXPECT_EQ(format_duration(725), "12m05s");
  EXPECT_EQ(format_duration(3 * 3600 + 125), "3h02m");
  EXPECT_EQ(format_duration(2 * 86400 + 4 * 3600), "2d04h");
  EXPECT_EQ(format_duration(-1), "-");
}

TEST(Metrics, LogLines) {
  const std::string line = format_log_line(sample(200));
  EXPECT_EQ(line,
            "step 200 | bucket 2 | loss 4.0000 | ppl 54.60 | lr 0.5 | gnorm 3.25 | 12.8k tok/s | "
            "0.500 s/step | elapsed 1m40s | ETA 6m40s");
  StepMetrics inf = sample(7);
  inf.loss = 301;
  inf.bucket = -1;
  EXPECT_THAT(format_log_line(inf), HasSubstr("step 7 | loss 301.0000 | ppl inf |"));
  EXPECT_EQ(format_translate_line(200, 0.5, 0.123, std::log(61.5)),
            "global step 200 learning rate 0.5000 step-time 0.12 perplexity 61.50");
  EXPECT_THAT(format_translate_line(1, 0.5, 1, 400), HasSubstr("perplexity inf"));
}

std::string fixed_stamp() { return "2026-01-02T03:04:05.678Z"; }

TEST(Metrics, PlainOutputPrintsEveryLogEveryWithTimestamps) {
  std::FILE* f = std::tmpfile();
  {
    ProgressPrinter p(f, 10, ProgressMode::Plain, 0.1, fixed_stamp);
    for (int s = 1; s <= 25; ++s) p.step(sample(s));
    p.message("checkpoint written");
  }
  const std::string out = contents(f);
  std::fclose(f);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  const std::string ts = fixed_stamp() + " ";
  EXPECT_EQ(out, ts + format_log_line(sample(10)) + "\n" + ts + format_log_line(sample(20)) + "\n" + ts +
                     "checkpoint written\n");
}

TEST(Metrics, NoneModePrintsOnlyMessages) {
  std::FILE* f = std::tmpfile();
  {
    ProgressPrinter p(f, 1, ProgressMode::None, 0, fixed_stamp);
    for (int s = 1; s <= 5; ++s) p.step(sample(s));
    p.message("checkpoint written");
  }
  const std::string out = contents(f);
  std::fclose(f);
  EXPECT_EQ(out, fixed_stamp() + " checkpoint written\n");
}

TEST(Metrics, BarOutputIsOneLiveLine) {
  std::FILE* f = std::tmpfile();
  {
    ProgressPrinter p(f, 10, ProgressMode::Bar, /*min_redraw_s=*/0, fixed_stamp);
    p.step(sample(1));
    p.step(sample(500));
    p.message("eval: bucket 0 perplexity 12.00");
    p.step(sample(501));
  }
  const std::string out = contents(f);
  std::fclose(f);
  // Only the permanent message and the final line end with a newline.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  EXPECT_THAT(out, HasSubstr("\r\x1b[K" + fixed_stamp() + " eval: bucket 0 perplexity 12.00\n"));
  EXPECT_THAT(out, HasSubstr("[##########..........]  50% step 500"));
  EXPECT_EQ(out.back(), '\n');
}

TEST(Metrics, ProgressModeNamesAndAutoRule) {
  for (const char* name : {"auto", "bar", "plain", "none"}) EXPECT_EQ(to_string(parse_progress_mode(name)), name);
  EXPECT_THROW(parse_progress_mode("tty"), s2s::Error);
  EXPECT_THROW(parse_progress_mode(""), s2s::Error);
  // Auto draws the bar only on a terminal outside a launcher (mpirun's ranks have a pty).
  EXPECT_EQ(resolve_progress_mode(ProgressMode::Auto, true, false), ProgressMode::Bar);
  EXPECT_EQ(resolve_progress_mode(ProgressMode::Auto, true, true), ProgressMode::Plain);
  EXPECT_EQ(resolve_progress_mode(ProgressMode::Auto, false, false), ProgressMode::Plain);
  // Explicit modes win over the environment.
  EXPECT_EQ(resolve_progress_mode(ProgressMode::Bar, false, true), ProgressMode::Bar);
  EXPECT_EQ(resolve_progress_mode(ProgressMode::None, true, false), ProgressMode::None);
  EXPECT_EQ(resolve_progress_mode(ProgressMode::Plain, true, false), ProgressMode::Plain);
}

TEST(Metrics, AutoOnAFileIsPlain) {
  std::FILE* f = std::tmpfile();
  ProgressPrinter p(f, 10);
  EXPECT_EQ(p.mode(), ProgressMode::Plain);
  std::fclose(f);
}

TEST(Metrics, JsonLines) {
  const std::string path = std::filesystem::temp_directory_path() / "s2s_metrics_test.jsonl";
  std::filesystem::remove(path);
  {
    JsonlWriter w(path);
    w.write_step(sample(200));
    StepMetrics m = sample(201);
    m.loss = 500;
    w.write_step(m);
  }
  {
    JsonlWriter again(path);  // appends
    again.write({{"kind", "eval"}, {"bucket", 1}, {"perplexity", 12.5}});
  }
  std::ifstream in(path);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["step"], 200);
  EXPECT_EQ(rows[0]["bucket"], 2);
  EXPECT_DOUBLE_EQ(rows[0]["perplexity"].get<double>(), std::exp(4.0));
  EXPECT_DOUBLE_EQ(rows[0]["tokens_per_s"].get<double>(), 12800);
  EXPECT_TRUE(rows[1]["perplexity"].is_null());  // inf is not JSON
  EXPECT_EQ(rows[2]["kind"], "eval");
  std::filesystem::remove(path);
}
