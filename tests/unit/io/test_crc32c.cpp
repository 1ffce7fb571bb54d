// CRC32C against published vectors (the check value, and RFC 3720 appendix B.4) and the masking
// of TFRecord framing (TF's crc32c::Mask / Unmask).
#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include "s2s/io/crc32c.h"

using namespace s2s::io;

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c("a"), 0xC1D04330u);
  std::vector<unsigned char> zeros(32, 0), ones(32, 0xFF), inc(32), dec(32);
  std::iota(inc.begin(), inc.end(), 0);
  for (int i = 0; i < 32; ++i) dec[i] = static_cast<unsigned char>(31 - i);
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c(inc.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc32c(dec.data(), 32), 0x113FDB5Cu);
}

TEST(Crc32c, ExtendAndAlignmentAgree) {
  std::string s(1000, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 131 + 7);
  const std::uint32_t whole = crc32c(s);
  for (std::size_t split : {0, 1, 3, 7, 8, 9, 500, 999, 1000})
    EXPECT_EQ(crc32c_extend(crc32c(s.data(), split), s.data() + split, s.size() - split), whole) << split;
  for (std::size_t off = 1; off < 9; ++off)  // unaligned starts
    EXPECT_EQ(crc32c(s.data() + off, 100), crc32c(std::string(s.data() + off, 100))) << off;
}

TEST(Crc32c, MaskRoundTrip) {
  // TF: Mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8.
  EXPECT_EQ(crc32c_mask(0), 0xA282EAD8u);
  EXPECT_EQ(crc32c_mask(0x00008000u), 0xA282EAD9u);
  for (std::uint32_t v : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu}) EXPECT_EQ(crc32c_unmask(crc32c_mask(v)), v);
}
