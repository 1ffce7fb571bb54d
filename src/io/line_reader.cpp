// Owns: LineReader (plain or gzip text, line splitting, raw-byte SHA-256).
#include "s2s/io/line_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "s2s/core/error.h"

namespace s2s::io {

namespace {
constexpr std::size_t kChunk = 1 << 20;
}

LineReader::LineReader(std::string path, bool hash) : path_(std::move(path)), hashing_(hash) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr)
    S2S_FAIL("cannot open ", path_, ": ", std::strerror(errno), " (expected a readable text file)");
  struct stat st;
  if (::fstat(fileno(file_), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      std::fclose(file_);
      file_ = nullptr;
      S2S_FAIL(path_, " is a folder (expected a text file)");
    }
    file_size_ = st.st_size;
  }
  raw_.resize(kChunk);
  buf_.resize(kChunk);
  read_raw();
  gzip_ = raw_len_ >= 2 && static_cast<unsigned char>(raw_[0]) == 0x1f &&
          static_cast<unsigned char>(raw_[1]) == 0x8b;
  if (gzip_) {
    // 16 + MAX_WBITS: expect a gzip header and trailer (CRC-32 and length are verified).
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) S2S_FAIL(path_, ": cannot initialise zlib");
    zs_init_ = true;
  }
}

LineReader::~LineReader() {
  if (zs_init_) inflateEnd(&zs_);
  if (file_ != nullptr) std::fclose(file_);
}

std::size_t LineReader::read_raw() {
  raw_pos_ = 0;
  raw_len_ = raw_eof_ ? 0 : std::fread(raw_.data(), 1, raw_.size(), file_);
  if (raw_len_ < raw_.size()) {
    if (std::ferror(file_)) S2S_FAIL("read error in ", path_, ": ", std::strerror(errno));
    raw_eof_ = true;
  }
  if (hashing_) hash_.update(raw_.data(), raw_len_);
  raw_read_ += static_cast<std::int64_t>(raw_len_);
  return raw_len_;
}

bool LineReader::refill() {
  // Keep the unreturned tail at the front; grow the buffer when one line fills it.
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
  }
  if (len_ == buf_.size()) buf_.resize(buf_.size() * 2);
  if (!gzip_) {
    if (raw_pos_ == raw_len_ && read_raw() == 0) return false;
    std::size_t take = std::min(raw_len_ - raw_pos_, buf_.size() - len_);
    std::memcpy(buf_.data() + len_, raw_.data() + raw_pos_, take);
    raw_pos_ += take;
    len_ += take;
    return true;
  }
  while (true) {
    if (raw_pos_ == raw_len_) {
      if (read_raw() == 0) {
        if (!stream_end_)
          S2S_FAIL(path_, ": truncated gzip data after line ", line_number_, " (expected a complete gzip stream)");
        return false;
      }
    }
    if (stream_end_) {
      // Another gzip member follows (as `cat a.gz b.gz` makes); skip trailing zero padding.
      while (raw_pos_ < raw_len_ && raw_[raw_pos_] == 0) ++raw_pos_;
      if (raw_pos_ == raw_len_) continue;
      inflateReset(&zs_);
      stream_end_ = false;
    }
    zs_.next_in = reinterpret_cast<Bytef*>(raw_.data() + raw_pos_);
    zs_.avail_in = static_cast<uInt>(raw_len_ - raw_pos_);
    zs_.next_out = reinterpret_cast<Bytef*>(buf_.data() + len_);
    zs_.avail_out = static_cast<uInt>(buf_.size() - len_);
    int rc = inflate(&zs_, Z_NO_FLUSH);
    std::size_t produced = buf_.size() - len_ - zs_.avail_out;
    raw_pos_ = raw_len_ - zs_.avail_in;
    len_ += produced;
    if (rc == Z_STREAM_END) stream_end_ = true;
    else if (rc != Z_OK && rc != Z_BUF_ERROR)
      S2S_FAIL(path_, ": corrupt gzip data after line ", line_number_, " (zlib: ",
               zs_.msg != nullptr ? zs_.msg : "error", ")");
    if (produced > 0) return true;
  }
}

bool LineReader::next(std::string_view& line) {
  if (finished_) return false;
  std::size_t scan_from = pos_;
  while (true) {
    const void* nl = std::memchr(buf_.data() + scan_from, '\n', len_ - scan_from);
    if (nl != nullptr) {
      std::size_t end = static_cast<const char*>(nl) - buf_.data();
      line = std::string_view(buf_.data() + pos_, end - pos_);
      pos_ = end + 1;
      ++line_number_;
      return true;
    }
    std::size_t scanned = len_ - pos_;
    if (!refill()) {
      if (len_ == pos_) return false;
      line = std::string_view(buf_.data() + pos_, len_ - pos_);  // last line without '\n'
      pos_ = len_;
      ++line_number_;
      return true;
    }
    scan_from = pos_ + scanned;
  }
}

std::int64_t LineReader::bytes_consumed() const {
  std::int64_t pending_raw = static_cast<std::int64_t>(raw_len_ - raw_pos_);
  std::int64_t pending_text = gzip_ ? 0 : static_cast<std::int64_t>(len_ - pos_);
  return raw_read_ - pending_raw - pending_text;
}

std::string LineReader::sha256_hex() {
  S2S_CHECK(hashing_, path_, ": opened without hashing, no SHA-256 to give");
  if (digest_.empty()) {
    // Hash whatever was not consumed yet, so the digest always covers the whole file.
    while (read_raw() > 0) {}
    digest_ = hash_.hex_digest();
    finished_ = true;
  }
  return digest_;
}

}  // namespace s2s::io
