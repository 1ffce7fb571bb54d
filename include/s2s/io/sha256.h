#pragma once
// Owns: SHA-256 (FIPS 180-4), used to fingerprint input files in dataset files so a dataset says
// exactly which bytes it was prepared from (`sha256sum FILE` prints the same hex digest).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace s2s::io {

class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::array<std::uint8_t, 32> digest();  // finishes; call reset() before reusing
  std::string hex_digest();               // 64 lowercase hex characters

 private:
  void compress(const std::uint8_t* block);
  std::uint32_t h_[8];
  std::uint8_t buffer_[64];
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::string& path);  // throws naming the path

}  // namespace s2s::io
