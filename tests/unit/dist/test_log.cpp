// Owns: tests of dist/log.h: the launcher detection that keeps the progress bar out of mpirun and
// Slurm logs, and the line format of log_all (timestamp, rank tag, one line per call).
#include "s2s/dist/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <regex>
#include <string>

namespace s2s::dist {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(Log, LauncherDetectedFromEachLaunchersVariable) {
  EXPECT_FALSE(started_by_launcher(fake_env({})));
  EXPECT_FALSE(started_by_launcher(fake_env({{"TERM", "xterm"}, {"SLURM_CONF", "/etc/slurm.conf"}})));
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK", "SLURM_JOB_ID"})
    EXPECT_TRUE(started_by_launcher(fake_env({{v, "1"}}))) << v;
}

TEST(Log, LineIsTimestampRankTagAndText) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(fileno(f), STDERR_FILENO);
  log_all("hello");
  log_all(std::string_view("two\n"));
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::rewind(f);
  std::string out;
  for (int c; (c = std::fgetc(f)) != EOF;) out += static_cast<char>(c);
  std::fclose(f);
  const std::string ts = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)";
  const std::string tag = R"(\[rank \d+/[0-9?]+\])";
  EXPECT_TRUE(std::regex_match(out, std::regex(ts + " " + tag + " hello\n" + ts + " " + tag + " two\n"))) << out;
}

}  // namespace
}  // namespace s2s::dist
