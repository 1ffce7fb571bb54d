// LineReader: Python-like line splitting, plain and gzip input (written here with zlib's own
// gzwrite, an independent encoder), corrupt/truncated gzip and missing files.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/io/line_reader.h"
#include "s2s/io/sha256.h"
#include "unit/io/temp_dir.h"

using s2s::io::LineReader;

namespace {
std::vector<std::string> read_all(const std::string& path) {
  LineReader r(path);
  std::vector<std::string> out;
  std::string_view line;
  while (r.next(line)) out.emplace_back(line);
  return out;
}

std::string write_gzip(const s2s::test_support::TempDir& dir, const std::string& name, const std::string& content) {
  std::string path = dir.file(name);
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST(LineReader, SplitsLikePythonIteration) {
  s2s::test_support::TempDir dir;
  EXPECT_EQ(read_all(dir.write("a", "one\ntwo\r\n\nlast")),
            (std::vector<std::string>{"one", "two\r", "", "last"}));
  EXPECT_EQ(read_all(dir.write("b", "x\n")), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(read_all(dir.write("c", "")).empty());
  EXPECT_EQ(read_all(dir.write("d", "\n\n")), (std::vector<std::string>{"", ""}));
}

TEST(LineReader, LinesLongerThanTheBufferAndLineNumbers) {
  s2s::test_support::TempDir dir;
  std::string big(3 * 1024 * 1024 + 17, 'q');
  auto path = dir.write("big", "a\n" + big + "\nb");
  LineReader r(path);
  std::string_view line;
  ASSERT_TRUE(r.next(line));
  EXPECT_EQ(line, "a");
  EXPECT_EQ(r.bytes_consumed(), 2);
  ASSERT_TRUE(r.next(line));
  EXPECT_EQ(line.size(), big.size());
  EXPECT_EQ(r.bytes_consumed(), static_cast<std::int64_t>(big.size() + 3));
  EXPECT_EQ(r.line_number(), 2);
  ASSERT_TRUE(r.next(line));
  EXPECT_EQ(line, "b");
  EXPECT_FALSE(r.next(line));
  EXPECT_EQ(r.bytes_read(), static_cast<std::int64_t>(big.size() + 4));
}

TEST(LineReader, GzipIsDetectedByContentAndHashedRaw) {
  s2s::test_support::TempDir dir;
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "line " + std::to_string(i) + "\n";
  auto path = write_gzip(dir, "no_gz_suffix.txt", text);
  LineReader r(path);
  EXPECT_TRUE(r.gzip());
  std::string_view line;
  int n = 0;
  while (r.next(line)) {
    ASSERT_EQ(line, "line " + std::to_string(n));
    ++n;
  }
  EXPECT_EQ(n, 50000);
  EXPECT_EQ(r.sha256_hex(), s2s::io::sha256_hex(slurp(path)));  // of the compressed bytes
}

TEST(LineReader, ConcatenatedGzipMembers) {
  s2s::test_support::TempDir dir;
  std::string a = slurp(write_gzip(dir, "a.gz", "1\n2\n")), b = slurp(write_gzip(dir, "b.gz", "3\n"));
  auto path = dir.write("ab.gz", a + b);
  EXPECT_EQ(read_all(path), (std::vector<std::string>{"1", "2", "3"}));
}

TEST(LineReader, TruncatedAndCorruptGzipThrow) {
  s2s::test_support::TempDir dir;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "some text " + std::to_string(i) + "\n";
  std::string gz = slurp(write_gzip(dir, "x.gz", text));
  auto truncated = dir.write("t.gz", gz.substr(0, gz.size() / 2));
  EXPECT_THROW(read_all(truncated), s2s::Error);
  std::string bad = gz;
  for (std::size_t i = 20; i < bad.size() - 10; i += 3) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  auto corrupt = dir.write("c.gz", bad);
  try {
    read_all(corrupt);
    FAIL() << "corrupt gzip was accepted";
  } catch (const s2s::Error& e) {
    EXPECT_NE(std::string(e.what()).find("c.gz"), std::string::npos) << e.what();
  }
}

TEST(LineReader, MissingFileNamesThePath) {
  try {
    LineReader r("/nonexistent/s2s/input.txt");
    FAIL();
  } catch (const s2s::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/s2s/input.txt"), std::string::npos);
  }
}
