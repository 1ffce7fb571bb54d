// SamplerCursor serialisation: flat map keys, JSON, derived epochs, missing keys.
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/data/cursor.h"

using namespace s2s::data;

namespace {
SamplerCursor example_cursor() {
  SamplerCursor c;
  c.seed = 0xFEDCBA9876543210ull;  // does not fit int64: stored bit for bit
  c.mode = SamplingMode::Fidelity;
  c.step = 1234;
  c.positions = {250, 40, 0};
  c.bucket_sizes = {100, 20, 5};
  c.bucket_rng = {c.seed, 0x4000000000000000ull, 2468};
  return c;
}
}  // namespace

TEST(Cursor, FlatMapRoundTripAndKeys) {
  SamplerCursor c = example_cursor();
  auto m = c.to_map();
  EXPECT_EQ(m.at("step"), 1234);
  EXPECT_EQ(m.at("mode"), 1);
  EXPECT_EQ(m.at("num_buckets"), 3);
  EXPECT_EQ(m.at("bucket_1_position"), 40);
  EXPECT_EQ(m.at("bucket_2_size"), 5);
  EXPECT_EQ(m.at("bucket_rng_position"), 2468);
  EXPECT_EQ(m.at("epoch"), 290 / 125);
  EXPECT_EQ(SamplerCursor::from_map(m), c);
  EXPECT_EQ(SamplerCursor::from_json(c.to_json()), c);
  EXPECT_EQ(SamplerCursor::from_json(nlohmann::json::parse(c.to_json().dump())), c);
}

TEST(Cursor, DerivedEpochs) {
  SamplerCursor c = example_cursor();
  EXPECT_EQ(c.epoch(), 2);           // 290 consumed of 125
  EXPECT_EQ(c.bucket_epoch(0), 2);   // 250 / 100
  EXPECT_EQ(c.bucket_epoch(1), 2);   // 40 / 20
  EXPECT_EQ(c.bucket_epoch(2), 0);
}

TEST(Cursor, MissingOrBadKeysThrow) {
  auto m = example_cursor().to_map();
  m.erase("bucket_1_size");
  try {
    SamplerCursor::from_map(m);
    FAIL();
  } catch (const s2s::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bucket_1_size"), std::string::npos);
  }
  auto v = example_cursor().to_map();
  v["cursor_version"] = 99;
  EXPECT_THROW(SamplerCursor::from_map(v), s2s::Error);
  EXPECT_THROW(SamplerCursor::from_json(nlohmann::json::parse(R"({"step": "x"})")), s2s::Error);
  EXPECT_EQ(sampling_mode_from_name("epoch"), SamplingMode::Epoch);
  EXPECT_THROW(sampling_mode_from_name("random"), s2s::Error);
}
