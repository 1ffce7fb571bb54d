// Owns: tests of the environment-variable table (core/environment.h): the code reads no variable
// that the table lacks (a scan of src/ for getenv calls and for launcher-style variable names in
// string literals), every row is read somewhere (no stale rows), env_value refuses an undeclared
// name, and docs/environment.md holds the table generated from the rows.
// The scan is independent of the table: it reads the source files, not the table's own claims.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "s2s/core/environment.h"
#include "s2s/core/error.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string source_dir() {
  const char* d = std::getenv("S2S_SOURCE_DIR");  // the test's own knob, set by tests/CMakeLists.txt
  return d != nullptr ? d : ".";
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Each line with its // comment dropped (a comment may name a variable or getenv freely).
std::string without_line_comments(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto c = line.find("//");
    out += (c == std::string::npos ? line : line.substr(0, c)) + "\n";
  }
  return out;
}

// Every C++/CUDA source under src/ and include/, by path relative to the source folder.
std::map<std::string, std::string> product_sources() {
  std::map<std::string, std::string> out;
  for (const char* top : {"src", "include"}) {
    const fs::path root = fs::path(source_dir()) / top;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      const std::string ext = e.path().extension().string();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".h" && ext != ".cu" && ext != ".cuh")) continue;
      out[fs::relative(e.path(), source_dir()).string()] = without_line_comments(read_text(e.path()));
    }
  }
  return out;
}

constexpr const char* kTableSource = "src/core/environment.cpp";

std::set<std::string> table_names() {
  std::set<std::string> names;
  for (const auto& v : environment_variables()) names.insert(std::string(v.name));
  return names;
}

TEST(Environment, SourcesFound) {
  const auto sources = product_sources();
  ASSERT_GT(sources.size(), 100u) << "S2S_SOURCE_DIR=" << source_dir() << " does not look like the source tree";
  ASSERT_TRUE(sources.count(kTableSource));
}

TEST(Environment, OnlyTheTableCallsGetenv) {
  const std::regex call(R"(\b(std::)?(secure_)?getenv\s*\()");
  std::vector<std::string> offenders;
  for (const auto& [path, text] : product_sources())
    if (path != kTableSource && std::regex_search(text, call)) offenders.push_back(path);
  EXPECT_TRUE(offenders.empty()) << "getenv outside " << kTableSource << " in: " << ::testing::PrintToString(offenders)
                                 << "; read variables with s2s::env_value (core/environment.h)";
}

TEST(Environment, EveryVariableNamedInTheCodeIsInTheTable) {
  // Names as string literals: what env_value("...") and the launcher lists are given.
  const std::regex literal(R"re("((?:S2S|OMPI|PMI|PMIX|SLURM|CUDA|NCCL|OPENBLAS|OMP|MV2|I_MPI|HDF5)_[A-Z0-9_]+|TMPDIR|HOME|TMP)")re");
  const std::set<std::string> table = table_names();
  std::set<std::string> used;
  std::vector<std::string> missing;
  for (const auto& [path, text] : product_sources()) {
    if (path == kTableSource) continue;
    for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) {
      const std::string name = (*it)[1];
      used.insert(name);
      if (!table.count(name)) missing.push_back(name + " (" + path + ")");
    }
  }
  EXPECT_TRUE(missing.empty()) << "read but not declared in " << kTableSource << ": "
                               << ::testing::PrintToString(missing);
  std::vector<std::string> stale;
  for (const auto& n : table)
    if (!used.count(n)) stale.push_back(n);
  EXPECT_TRUE(stale.empty()) << "declared in " << kTableSource << " but read nowhere in src/: "
                             << ::testing::PrintToString(stale);
  EXPECT_TRUE(used.count("S2S_MPI") && used.count("S2S_DIST_TIMEOUT_S")) << "the scan found nothing it should";
}

TEST(Environment, RowsAreComplete) {
  std::set<std::string> seen;
  for (const auto& v : environment_variables()) {
    EXPECT_TRUE(seen.insert(std::string(v.name)).second) << v.name << " declared twice";
    EXPECT_FALSE(v.default_text.empty()) << v.name;
    EXPECT_FALSE(v.meaning.empty()) << v.name;
    EXPECT_FALSE(v.read_by.empty()) << v.name;
  }
}

TEST(Environment, UndeclaredNameIsAnError) {
  try {
    (void)env_value("S2S_NOT_A_KNOB");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("S2S_NOT_A_KNOB"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("src/core/environment.cpp"));
  }
}

TEST(Environment, ReadsTheProcessEnvironment) {
  ::setenv("S2S_STAGING_BYTES", "12345", 1);
  ASSERT_NE(env_value("S2S_STAGING_BYTES"), nullptr);
  EXPECT_STREQ(env_value("S2S_STAGING_BYTES"), "12345");
  ::unsetenv("S2S_STAGING_BYTES");
  EXPECT_EQ(env_value("S2S_STAGING_BYTES"), nullptr);
}

TEST(Environment, DocMatchesTable) {
  const std::string path = source_dir() + "/docs/environment.md";
  const std::string begin = "<!-- BEGIN GENERATED: environment_markdown_table() -->\n";
  const std::string end = "<!-- END GENERATED -->";
  std::string doc = read_text(path);
  const auto b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos) << path << " lacks the marker " << begin;
  ASSERT_NE(e, std::string::npos) << path << " lacks the marker " << end;
  const std::string generated = environment_markdown_table();
  const std::string current = doc.substr(b + begin.size(), e - b - begin.size());
  if (current != generated && std::getenv("S2S_UPDATE_DOCS") != nullptr) {
    doc.replace(b + begin.size(), e - b - begin.size(), generated);
    std::ofstream(path) << doc;
    return;
  }
  EXPECT_EQ(current, generated) << "docs/environment.md is out of date; regenerate with S2S_UPDATE_DOCS=1 "
                                   "s2s_test_core --gtest_filter=Environment.DocMatchesTable";
}

}  // namespace
}  // namespace s2s
