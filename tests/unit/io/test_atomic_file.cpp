// AtomicFile: nothing appears at the final path before commit; the temporary is removed on
// failure; an existing output is refused unless overwriting.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "s2s/core/error.h"
#include "s2s/io/atomic_file.h"
#include "s2s/io/h5_file.h"
#include "unit/io/temp_dir.h"

using s2s::io::AtomicFile;

TEST(AtomicFile, CommitMovesTheTemporaryIntoPlace) {
  s2s::test_support::TempDir dir;
  std::string out = dir.file("out.h5");
  {
    AtomicFile af(out, false);
    EXPECT_EQ(std::filesystem::path(af.temp_path()).parent_path(), dir.path());
    auto f = s2s::io::File::create(af.temp_path());
    f.set_attribute("x", std::int64_t{7});
    f.close();
    EXPECT_FALSE(std::filesystem::exists(out));
    af.commit();
  }
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"out.h5"});
  EXPECT_EQ(s2s::io::File::open(out).attribute_int("x"), 7);
}

TEST(AtomicFile, AbandonedWriteLeavesNothing) {
  s2s::test_support::TempDir dir;
  try {
    AtomicFile af(dir.file("out.h5"), false);
    std::ofstream(af.temp_path()) << "half";
    throw std::runtime_error("writer failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(dir.listing().empty());
}

TEST(AtomicFile, ExistingOutputRefusedUnlessOverwrite) {
  s2s::test_support::TempDir dir;
  auto out = dir.write("out.txt", "old");
  EXPECT_THROW(AtomicFile(out, false), s2s::Error);
  {
    AtomicFile af(out, true);
    std::ofstream(af.temp_path()) << "new";
    af.commit();
  }
  std::ifstream f(out);
  std::string s;
  f >> s;
  EXPECT_EQ(s, "new");
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFile, OutputAppearingDuringTheWriteIsNotOverwritten) {
  s2s::test_support::TempDir dir;
  std::string out = dir.file("out.txt");
  AtomicFile af(out, false);
  std::ofstream(af.temp_path()) << "mine";
  std::ofstream(out) << "theirs";
  EXPECT_THROW(af.commit(), s2s::Error);
  std::ifstream f(out);
  std::string s;
  f >> s;
  EXPECT_EQ(s, "theirs");
}

TEST(AtomicFile, MissingFolderIsAnError) {
  EXPECT_THROW(AtomicFile("/nonexistent-s2s-dir/out.h5", false), s2s::Error);
}

TEST(AtomicFile, TemporaryNamesParseBack) {
  s2s::test_support::TempDir dir;
  AtomicFile af(dir.file("ckpt-12.h5"), true);
  const auto name = std::filesystem::path(af.temp_path()).filename().string();
  const auto parsed = s2s::io::parse_temporary_name(name);
  ASSERT_TRUE(parsed.has_value()) << name;
  EXPECT_EQ(parsed->target, "ckpt-12.h5");
  EXPECT_EQ(parsed->pid, static_cast<long>(::getpid()));
  // A target whose own name holds ".tmp-" parses from the right.
  const auto nested = s2s::io::parse_temporary_name(".a.tmp-1-2.tmp-345-0000beef");
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->target, "a.tmp-1-2");
  EXPECT_EQ(nested->pid, 345);
  for (const char* other : {"ckpt-12.h5", ".ckpt-12.h5.tmp-12-0000beeg", ".ckpt-12.h5.tmp--0000beef",
                            ".ckpt-12.h5.tmp-12-beef", ".tmp-12-0000beef", "x.tmp-12-0000beef",
                            ".ckpt-12.h5.tmp-0-0000beef", ".ckpt-12.h5.tmp-1x-0000beef"})
    EXPECT_FALSE(s2s::io::parse_temporary_name(other).has_value()) << other;
}
