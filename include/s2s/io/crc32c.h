#pragma once
// Owns: CRC32C (Castagnoli, reflected polynomial 0x82F63B78), used for the per-dataset checksums
// of checkpoints and the record framing of TensorBoard event files.
// Why our own: Debian 12 has no crc32c package; slice-by-8 tables make it ~1 GB/s, which is far
// below disk bandwidth concerns for checkpoints written every few hundred steps.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace s2s::io {

// CRC32C of n bytes, continuing from `crc` (the value returned for the preceding bytes; 0 to
// start). crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n);
inline std::uint32_t crc32c(const void* data, std::size_t n) { return crc32c_extend(0, data, n); }
inline std::uint32_t crc32c(std::string_view s) { return crc32c_extend(0, s.data(), s.size()); }

// TensorBoard/TFRecord's masked CRC: rotate right by 15 and add a constant, so a CRC stored next
// to the data it covers does not look like data.
constexpr std::uint32_t crc32c_mask(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
}
constexpr std::uint32_t crc32c_unmask(std::uint32_t masked) {
  std::uint32_t rot = masked - 0xA282EAD8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace s2s::io
