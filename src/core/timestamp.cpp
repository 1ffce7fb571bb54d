// Owns: ISO 8601 UTC log timestamps (see s2s/core/timestamp.h).
#include "s2s/core/timestamp.h"

#include <ctime>

#include <fmt/format.h>

namespace s2s {

std::string format_utc_timestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  // floor, not duration_cast: times before 1970 must not round toward the epoch.
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  ::gmtime_r(&tt, &tm);  // thread-safe; std::gmtime shares one static buffer
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, (ms - secs).count());
}

std::string utc_timestamp_now() { return format_utc_timestamp(std::chrono::system_clock::now()); }

}  // namespace s2s
