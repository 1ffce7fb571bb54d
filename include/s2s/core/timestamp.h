#pragma once
// Owns: the timestamp every log line starts with: ISO 8601 in UTC with milliseconds
// ("2026-12-07T21:06:00.123Z"). UTC because the ranks of one job may run on hosts with different
// time zones, and a log read later or merged with other hosts' logs must sort by its text.
#include <chrono>
#include <string>

namespace s2s {

// "YYYY-MM-DDTHH:MM:SS.mmmZ" (milliseconds truncated, not rounded, so a line never shows a time
// later than the one it was stamped at).
std::string format_utc_timestamp(std::chrono::system_clock::time_point t);
std::string utc_timestamp_now();

}  // namespace s2s
