// Owns: the TensorBoard event-file writer (format in event_writer.h).
#include "s2s/train/event_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "s2s/core/error.h"
#include "s2s/io/crc32c.h"
#include "s2s/train/protobuf_wire.h"

namespace s2s::train {
namespace {

// Field numbers of tensorflow/core/util/event.proto and framework/summary.proto.
constexpr std::uint32_t kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3, kEventSummary = 5;
constexpr std::uint32_t kSummaryValue = 1;
constexpr std::uint32_t kValueTag = 1, kValueSimpleValue = 2;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string encode_file_version_event(double wall_time) {
  std::string e;
  pb::put_double_field(e, kEventWallTime, wall_time);
  pb::put_bytes_field(e, kEventFileVersion, "brain.Event:2");
  return e;
}

std::string encode_scalars_event(double wall_time, std::int64_t step,
                                 const std::vector<std::pair<std::string, double>>& values) {
  std::string summary;
  for (const auto& [tag, v] : values) {
    std::string value;
    pb::put_bytes_field(value, kValueTag, tag);
    pb::put_float_field(value, kValueSimpleValue, static_cast<float>(v));
    pb::put_bytes_field(summary, kSummaryValue, value);
  }
  std::string e;
  pb::put_double_field(e, kEventWallTime, wall_time);
  if (step != 0) pb::put_int64_field(e, kEventStep, step);  // proto3 omits defaults
  pb::put_bytes_field(e, kEventSummary, summary);
  return e;
}

std::string frame_record(const std::string& data) {
  std::string out;
  pb::put_fixed64(out, data.size());
  pb::put_fixed32(out, io::crc32c_mask(io::crc32c(out.data(), 8)));
  out += data;
  pb::put_fixed32(out, io::crc32c_mask(io::crc32c(data)));
  return out;
}

EventFileWriter::EventFileWriter(const std::string& dir, const std::string& suffix) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  S2S_CHECK(!ec, "cannot create event-file folder ", dir, ": ", ec.message());
  char host[256] = "localhost";
  ::gethostname(host, sizeof(host) - 1);
  const double now = unix_now();
  char name[512];
  std::snprintf(name, sizeof(name), "events.out.tfevents.%010lld.%s%s",
                static_cast<long long>(now), host, suffix.c_str());
  path_ = (std::filesystem::path(dir) / name).string();
  file_ = std::fopen(path_.c_str(), "ab");
  S2S_CHECK(file_ != nullptr, "cannot open event file ", path_, ": ", std::strerror(errno));
  write_record(encode_file_version_event(now));
  flush();
}

EventFileWriter::~EventFileWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void EventFileWriter::write_record(const std::string& data) {
  const std::string rec = frame_record(data);
  S2S_CHECK(std::fwrite(rec.data(), 1, rec.size(), file_) == rec.size(), "cannot write event file ",
            path_, ": ", std::strerror(errno));
}

void EventFileWriter::add_scalar(const std::string& tag, double value, std::int64_t step,
                                 std::optional<double> wall_time) {
  add_scalars({{tag, value}}, step, wall_time);
}

void EventFileWriter::add_scalars(const std::vector<std::pair<std::string, double>>& values,
                                  std::int64_t step, std::optional<double> wall_time) {
  write_record(encode_scalars_event(wall_time ? *wall_time : unix_now(), step, values));
}

void EventFileWriter::flush() {
  S2S_CHECK(std::fflush(file_) == 0, "cannot flush event file ", path_, ": ", std::strerror(errno));
}

}  // namespace s2s::train
