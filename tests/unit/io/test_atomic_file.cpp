// AtomicFile: nothing appears at the final path before commit; the temporary is removed on
// failure; an existing output is refused unless overwriting.
#include <gtest/gtest.h>

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
