// Owns: the JSON-lines metrics writer.
#include "s2s/train/jsonl_writer.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "s2s/core/error.h"

namespace s2s::train {
namespace {
nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
}  // namespace

JsonlWriter::JsonlWriter(const std::string& path, bool append) : path_(path) {
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
  S2S_CHECK(file_ != nullptr, "cannot open metrics file ", path, ": ", std::strerror(errno));
}

JsonlWriter::~JsonlWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void JsonlWriter::write(const nlohmann::json& record) {
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const bool ok = std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0;
  S2S_CHECK(ok, "cannot write metrics file ", path_, ": ", std::strerror(errno));
}

void JsonlWriter::write_step(const StepMetrics& m) {
  const double wall = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json j = {
      {"kind", "step"},
      {"step", m.step},
      {"loss", finite_or_null(m.loss)},
      {"perplexity", finite_or_null(perplexity(m.loss))},
      {"learning_rate", m.learning_rate},
      {"grad_norm", finite_or_null(m.grad_norm)},
      {"tokens_per_s", tokens_per_second(m)},
      {"step_time_s", m.step_time_s},
      {"elapsed_s", m.elapsed_s},
      {"wall_time", wall},
  };
  if (m.bucket >= 0) j["bucket"] = m.bucket;
  if (m.exchanged_bytes >= 0) j["exchanged_bytes"] = m.exchanged_bytes;
  if (m.sparse_tensors >= 0)
    j["sparse"] = {{"tensors", m.sparse_tensors}, {"dense_tensors", m.sparse_dense_tensors},
                   {"ids", m.sparse_ids}, {"union_rows", m.sparse_union_rows}};
  write(j);
}

}  // namespace s2s::train
