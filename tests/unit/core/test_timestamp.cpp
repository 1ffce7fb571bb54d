// Tests: ISO 8601 UTC log timestamps. Expected strings come from GNU date
// (`date -u -d @SECONDS +%FT%T`), not from the code under test.
#include "s2s/core/timestamp.h"

#include <gtest/gtest.h>

#include <regex>

namespace s2s {
namespace {

std::chrono::system_clock::time_point at_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

TEST(Timestamp, MatchesGnuDate) {
  EXPECT_EQ(format_utc_timestamp(at_ms(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_timestamp(at_ms(1700000000123)), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_utc_timestamp(at_ms(951782400000)), "2000-02-29T00:00:00.000Z");  // leap day
}

TEST(Timestamp, TruncatesTowardThePast) {
  // 1 ms before the epoch is 23:59:59.999 of the previous day, not 00:00:00.000.
  EXPECT_EQ(format_utc_timestamp(at_ms(-1)), "1969-12-31T23:59:59.999Z");
  const auto t = std::chrono::system_clock::time_point(std::chrono::microseconds(1700000000123999));
  EXPECT_EQ(format_utc_timestamp(t), "2023-11-14T22:13:20.123Z");
}

TEST(Timestamp, NowHasTheFormat) {
  EXPECT_TRUE(std::regex_match(utc_timestamp_now(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

}  // namespace
}  // namespace s2s
