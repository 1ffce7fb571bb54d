// Owns: ParallelTextReader (lock-step reading of two text files with count and UTF-8 checks).
#include "s2s/data/parallel_text.h"

#include "s2s/core/error.h"
#include "s2s/data/utf8.h"

namespace s2s::data {

std::string_view invalid_policy_name(InvalidPolicy p) { return p == InvalidPolicy::Error ? "error" : "skip"; }

InvalidPolicy invalid_policy_from_name(std::string_view name) {
  if (name == "error") return InvalidPolicy::Error;
  if (name == "skip") return InvalidPolicy::Skip;
  S2S_FAIL("unknown --on-invalid value '", name, "' (expected error or skip)");
}

ParallelTextReader::ParallelTextReader(std::string source_path, std::string target_path, InvalidPolicy on_invalid)
    : source_path_(std::move(source_path)), target_path_(std::move(target_path)), on_invalid_(on_invalid) {
  rewind();
}

void ParallelTextReader::rewind() {
  // Later passes re-read files whose digests are known: skip hashing them again.
  source_ = std::make_unique<io::LineReader>(source_path_, source_digest_.empty());
  target_ = std::make_unique<io::LineReader>(target_path_, target_digest_.empty());
  invalid_ = 0;
}

std::string ParallelTextReader::source_sha256() {
  if (source_digest_.empty()) source_digest_ = source_->sha256_hex();
  return source_digest_;
}

std::string ParallelTextReader::target_sha256() {
  if (target_digest_.empty()) target_digest_ = target_->sha256_hex();
  return target_digest_;
}

double ParallelTextReader::fraction_done() const {
  double total = static_cast<double>(source_->file_size() + target_->file_size());
  if (total <= 0) return 1.0;
  return static_cast<double>(source_->bytes_consumed() + target_->bytes_consumed()) / total;
}

void ParallelTextReader::fail_mismatch(io::LineReader& longer, io::LineReader& shorter) {
  std::string_view line;
  while (longer.next(line)) {}
  S2S_FAIL("line counts differ: ", source_path_, " has ",
           (&longer == source_.get() ? longer : shorter).line_number(), " lines but ", target_path_, " has ",
           (&longer == target_.get() ? longer : shorter).line_number(),
           " lines (expected line-aligned parallel files: line i of one translates line i of the other)");
}

bool ParallelTextReader::next(TextPair& pair) {
  while (true) {
    bool has_source = source_->next(pair.source);
    bool has_target = target_->next(pair.target);
    if (!has_source && !has_target) return false;
    if (!has_target) fail_mismatch(*source_, *target_);
    if (!has_source) fail_mismatch(*target_, *source_);
    pair.line = source_->line_number();
    bool bad = false;
    for (auto [reader, text] : {std::pair{source_.get(), pair.source}, std::pair{target_.get(), pair.target}}) {
      std::size_t at = find_invalid_utf8(text);
      if (at == std::string_view::npos) continue;
      if (on_invalid_ == InvalidPolicy::Error)
        S2S_FAIL(reader->path(), ":", reader->line_number(), ": invalid UTF-8 at byte ", at + 1,
                 " of the line (expected UTF-8 text; --on-invalid skip drops such pairs)");
      bad = true;
    }
    if (!bad) return true;
    ++invalid_;
  }
}

}  // namespace s2s::data
