#pragma once
// Owns: reading a text file line by line, plain or gzip-compressed (detected by the gzip magic
// bytes, not the file name; concatenated gzip members are read as one stream), while hashing the
// raw file bytes with SHA-256 and counting them for progress reports.
// Lines follow Python's file iteration: split at '\n' (the '\n' is not part of the line, a '\r'
// before it is kept), and a last line without '\n' still counts.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/io/sha256.h"

namespace s2s::io {

class LineReader {
 public:
  // Throws s2s::Error naming the path when it cannot be opened. `hash` = false skips SHA-256
  // (sha256_hex() then throws), for re-reads of a file whose digest is already known.
  explicit LineReader(std::string path, bool hash = true);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line (valid until the next call); false at the end of the file. Corrupt or truncated
  // gzip data throws, naming the file and the line reached.
  bool next(std::string_view& line);

  const std::string& path() const { return path_; }
  std::int64_t line_number() const { return line_number_; }  // 1-based, of the line last returned
  bool gzip() const { return gzip_; }
  std::int64_t file_size() const { return file_size_; }       // raw (compressed) bytes
  std::int64_t bytes_read() const { return raw_read_; }       // raw bytes read from the file so far
  // Raw bytes behind the lines returned so far (for progress): exact for plain files; for gzip,
  // the compressed bytes inflated so far.
  std::int64_t bytes_consumed() const;
  // SHA-256 of the raw file bytes. Called before the end, it reads (and hashes) the rest of the
  // file and ends the reading: next() returns false afterwards.
  std::string sha256_hex();

 private:
  bool refill();            // appends decoded bytes to buf_; false at the end
  std::size_t read_raw();   // fills raw_ from the file, hashing; returns bytes read

  std::string path_;
  std::FILE* file_ = nullptr;
  bool gzip_ = false;
  bool raw_eof_ = false;
  bool stream_end_ = false;
  bool finished_ = false;
  z_stream zs_{};
  bool zs_init_ = false;
  std::vector<char> raw_;     // raw bytes from the file (gzip input)
  std::size_t raw_pos_ = 0, raw_len_ = 0;
  std::vector<char> buf_;     // decoded bytes: [pos_, len_) not yet returned
  std::size_t pos_ = 0, len_ = 0;
  std::int64_t line_number_ = 0;
  std::int64_t file_size_ = 0;
  std::int64_t raw_read_ = 0;
  bool hashing_ = true;
  Sha256 hash_;
  std::string digest_;
};

}  // namespace s2s::io
