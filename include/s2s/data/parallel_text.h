#pragma once
// Owns: reading line-aligned source/target text files (plain or gzip) as pairs, with the input
// checks of `s2s prepare`: mismatched line counts (both counts in the error), invalid UTF-8
// (file, line, byte; an error, or skipped and counted with InvalidPolicy::Skip).
// Also the PairSource interface that `prepare` reads from (text files or a synthetic task).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "s2s/io/line_reader.h"

namespace s2s::data {

enum class InvalidPolicy { Error, Skip };
std::string_view invalid_policy_name(InvalidPolicy p);         // "error" | "skip"
InvalidPolicy invalid_policy_from_name(std::string_view name);  // throws for other names

struct TextPair {
  std::int64_t line = 0;  // 1-based line number in both files
  std::string_view source, target;
};

class PairSource {
 public:
  virtual ~PairSource() = default;
  virtual bool next(TextPair& pair) = 0;   // false at the end; throws on bad input
  virtual void rewind() = 0;               // back to the first pair
  virtual double fraction_done() const = 0;  // of the input consumed, in [0, 1]
  virtual std::int64_t invalid_skipped() const { return 0; }  // since the last rewind
  virtual std::string source_name() const = 0;  // a path, or a description of generated data
  virtual std::string target_name() const = 0;
  // SHA-256 of the source/target bytes; valid after a complete pass.
  virtual std::string source_sha256() = 0;
  virtual std::string target_sha256() = 0;
};

class ParallelTextReader : public PairSource {
 public:
  ParallelTextReader(std::string source_path, std::string target_path, InvalidPolicy on_invalid);
  bool next(TextPair& pair) override;
  void rewind() override;
  double fraction_done() const override;
  std::int64_t invalid_skipped() const override { return invalid_; }
  std::string source_name() const override { return source_path_; }
  std::string target_name() const override { return target_path_; }
  std::string source_sha256() override;
  std::string target_sha256() override;

 private:
  [[noreturn]] void fail_mismatch(io::LineReader& longer, io::LineReader& shorter);
  std::string source_path_, target_path_;
  InvalidPolicy on_invalid_;
  std::unique_ptr<io::LineReader> source_, target_;
  std::int64_t invalid_ = 0;
  std::string source_digest_, target_digest_;  // known after the first complete pass
};

}  // namespace s2s::data
