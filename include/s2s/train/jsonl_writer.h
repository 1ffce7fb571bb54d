#pragma once
// Owns: the JSON-lines metrics file (one JSON object per line, flushed per record) that scripts
// and notebooks read. Non-finite numbers (an inf perplexity) are written as null.
#include <cstdio>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "s2s/train/metrics.h"

namespace s2s::train {

class JsonlWriter {
 public:
  // Appends to `path` (created if missing), so a resumed run continues the same file.
  explicit JsonlWriter(const std::string& path, bool append = true);
  ~JsonlWriter();
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;

  void write(const nlohmann::json& record);
  // {"kind":"step","step":…,"bucket":…,"loss":…,"perplexity":…,"learning_rate":…,
  //  "grad_norm":…,"tokens_per_s":…,"step_time_s":…,"elapsed_s":…,"wall_time":…}
  void write_step(const StepMetrics& m);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace s2s::train
