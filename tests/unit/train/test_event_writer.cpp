// TensorBoard event files: an Event encoded by hand from the protobuf wire rules, and a file
// written by EventFileWriter parsed back with an independent reader (frame CRCs + a minimal
// protobuf decoder written here).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "s2s/io/crc32c.h"
#include "s2s/train/event_writer.h"

using namespace s2s::train;
using namespace s2s::io;
namespace fs = std::filesystem;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// Minimal protobuf reader: field -> list of raw values (varints as numbers, others as bytes).
struct Field {
  int wire;
  std::uint64_t num;
  std::string data;
};
std::multimap<int, Field> decode(const std::string& s) {
  std::multimap<int, Field> out;
  std::size_t i = 0;
  auto varint = [&]() {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      unsigned char c = static_cast<unsigned char>(s.at(i++));
      v |= static_cast<std::uint64_t>(c & 0x7F) << shift;
      if (!(c & 0x80)) return v;
    }
  };
  while (i < s.size()) {
    std::uint64_t key = varint();
    Field f{static_cast<int>(key & 7), 0, {}};
    if (f.wire == 0) f.num = varint();
    else if (f.wire == 1) { f.data = s.substr(i, 8); i += 8; }
    else if (f.wire == 5) { f.data = s.substr(i, 4); i += 4; }
    else if (f.wire == 2) { std::size_t n = varint(); f.data = s.substr(i, n); i += n; }
    else ADD_FAILURE() << "wire type " << f.wire;
    out.emplace(static_cast<int>(key >> 3), f);
  }
  return out;
}

template <class T> T le(const std::string& b) {
  T v;
  std::memcpy(&v, b.data(), sizeof(T));
  return v;
}

std::vector<std::string> read_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < all.size()) {
    EXPECT_LE(i + 12, all.size());
    std::uint64_t len = le<std::uint64_t>(all.substr(i, 8));
    EXPECT_EQ(crc32c_unmask(le<std::uint32_t>(all.substr(i + 8, 4))), crc32c(all.data() + i, 8));
    std::string data = all.substr(i + 12, len);
    EXPECT_EQ(crc32c_unmask(le<std::uint32_t>(all.substr(i + 12 + len, 4))), crc32c(data));
    out.push_back(data);
    i += 12 + len + 4;
  }
  return out;
}

}  // namespace

TEST(EventWriter, HandEncodedEvent) {
  // Event{wall_time: 1.5, step: 3, summary{value{tag: "loss", simple_value: 2.0}}}
  const std::string expected =
      bytes({0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F,        // 1: double 1.5
             0x10, 0x03,                                  // 2: varint 3
             0x2A, 0x0D,                                  // 5: 13 bytes of Summary
             0x0A, 0x0B,                                  //   1: 11 bytes of Value
             0x0A, 0x04, 'l', 'o', 's', 's',              //     1: "loss"
             0x15, 0, 0, 0, 0x40});                       //     2: float 2.0
  EXPECT_EQ(encode_scalars_event(1.5, 3, {{"loss", 2.0}}), expected);
  // A step >= 128 needs a two-byte varint: 300 = 0xAC 0x02.
  EXPECT_EQ(encode_scalars_event(1.5, 300, {{"x", 0}}).substr(9, 3), bytes({0x10, 0xAC, 0x02}));
  const std::string version = encode_file_version_event(0.0);
  EXPECT_EQ(version, bytes({0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x1A, 13}) + "brain.Event:2");
  // Framing: length 3, masked CRCs.
  const std::string rec = frame_record("abc");
  ASSERT_EQ(rec.size(), 8u + 4 + 3 + 4);
  EXPECT_EQ(le<std::uint64_t>(rec.substr(0, 8)), 3u);
  EXPECT_EQ(le<std::uint32_t>(rec.substr(15, 4)), crc32c_mask(crc32c("abc")));
}

TEST(EventWriter, FileParsesBack) {
  char tmpl[] = "/tmp/s2s_events_XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::string path;
  {
    EventFileWriter w(dir, ".s2s");
    path = w.path();
    w.add_scalar("train/loss", 4.25, 200, 1000.0);
    w.add_scalars({{"train/perplexity", 70.1}, {"train/learning_rate", 0.5}}, 400, 1001.0);
    w.flush();
  }
  const std::string name = fs::path(path).filename().string();
  EXPECT_THAT(name, ::testing::MatchesRegex("events\\.out\\.tfevents\\.[0-9]{10}\\..+\\.s2s"));
  auto records = read_records(path);
  ASSERT_EQ(records.size(), 3u);
  auto first = decode(records[0]);
  EXPECT_EQ(first.find(3)->second.data, "brain.Event:2");
  EXPECT_GT(le<double>(first.find(1)->second.data), 1.6e9);

  auto ev = decode(records[2]);
  EXPECT_EQ(le<double>(ev.find(1)->second.data), 1001.0);
  EXPECT_EQ(ev.find(2)->second.num, 400u);
  auto summary = decode(ev.find(5)->second.data);
  ASSERT_EQ(summary.count(1), 2u);
  std::map<std::string, float> got;
  for (auto [it, end] = summary.equal_range(1); it != end; ++it) {
    auto value = decode(it->second.data);
    got[value.find(1)->second.data] = le<float>(value.find(2)->second.data);
  }
  EXPECT_FLOAT_EQ(got["train/perplexity"], 70.1f);
  EXPECT_FLOAT_EQ(got["train/learning_rate"], 0.5f);
  auto one = decode(decode(decode(records[1]).find(5)->second.data).find(1)->second.data);
  EXPECT_EQ(one.find(1)->second.data, "train/loss");
  EXPECT_FLOAT_EQ(le<float>(one.find(2)->second.data), 4.25f);
  fs::remove_all(dir);
}
