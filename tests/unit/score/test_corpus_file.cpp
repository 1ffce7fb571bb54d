// Reading segments the way the sacrebleu command line does (split at '\n' only, rstrip each
// line), and the errors for unreadable files and line-count mismatches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "s2s/core/error.h"
#include "s2s/score/corpus_file.h"

namespace s2s::score {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

class CorpusFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "s2s_score_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string dir_;
};

TEST_F(CorpusFile, SplitsAtNewlineAndStripsTrailingWhitespace) {
  const auto p = write("a.txt", "one \r\n\ntwo\u00a0\tthree\u2028four\u00a0\nlast");
  EXPECT_EQ(read_segments(p), (std::vector<std::string>{"one", "", "two\u00a0\tthree\u2028four", "last"}));
  EXPECT_EQ(read_segments(write("b.txt", "x\n")), (std::vector<std::string>{"x"}));  // no extra empty line
  EXPECT_EQ(read_segments(write("c.txt", "x\n\n")), (std::vector<std::string>{"x", ""}));
  EXPECT_TRUE(read_segments(write("d.txt", "")).empty());
  EXPECT_EQ(read_segments(write("e.txt", std::string("a\0b\n", 4))), (std::vector<std::string>{std::string("a\0b", 3)}));
}

TEST_F(CorpusFile, ErrorsNameTheFile) {
  try {
    read_segments(dir_ + "/missing.txt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("missing.txt"), HasSubstr("No such file")));
  }
  EXPECT_THROW(read_segments(dir_), Error);
}

TEST_F(CorpusFile, LineCountMismatchNamesBothFilesAndCounts) {
  EXPECT_NO_THROW(check_same_line_counts("h.txt", 3, {"r1.txt", "r2.txt"}, {3, 3}));
  try {
    check_same_line_counts("h.txt", 3, {"r1.txt", "r2.txt"}, {3, 5});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("h.txt has 3 lines"), HasSubstr("r2.txt has 5")));
  }
}

}  // namespace
}  // namespace s2s::score
