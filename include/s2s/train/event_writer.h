#pragma once
// Owns: TensorBoard event files (tfevents) with scalar summaries, written without TensorFlow:
//   file  <dir>/events.out.tfevents.<10-digit unix time>.<hostname><suffix>   (TF's EventsWriter)
//   record  uint64 length | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
//   data    an Event protobuf: wall_time (1, double), step (2, int64), file_version (3, string)
//           or summary (5, Summary{ value (1): Value{ tag (1, string), simple_value (2, float) } })
// The first record is Event{wall_time, file_version: "brain.Event:2"}, as TF writes it.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace s2s::train {

class EventFileWriter {
 public:
  explicit EventFileWriter(const std::string& dir, const std::string& suffix = "");
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // One Event holding one scalar. wall_time defaults to now (seconds since the epoch).
  void add_scalar(const std::string& tag, double value, std::int64_t step,
                  std::optional<double> wall_time = std::nullopt);
  // One Event holding several scalars of the same step.
  void add_scalars(const std::vector<std::pair<std::string, double>>& values, std::int64_t step,
                   std::optional<double> wall_time = std::nullopt);
  void flush();
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);
  std::string path_;
  std::FILE* file_ = nullptr;
};

// The serialized Event protobufs (exposed for tests).
std::string encode_file_version_event(double wall_time);
std::string encode_scalars_event(double wall_time, std::int64_t step,
                                 const std::vector<std::pair<std::string, double>>& values);
// A TFRecord frame around `data`.
std::string frame_record(const std::string& data);

}  // namespace s2s::train
