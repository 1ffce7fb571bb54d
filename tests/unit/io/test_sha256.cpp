// SHA-256 against the FIPS 180-4 / NIST example digests (independent published values).
#include <gtest/gtest.h>

#include <string>

#include "s2s/core/error.h"
#include "s2s/io/sha256.h"
#include "unit/io/temp_dir.h"

using s2s::io::Sha256;
using s2s::io::sha256_hex;

TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, StreamingEqualsOneShotForEverySplit) {
  std::string msg;
  for (int i = 0; i < 200; ++i) msg += static_cast<char>('a' + i % 26);
  std::string whole = sha256_hex(msg);
  for (std::size_t split = 0; split <= msg.size(); split += 7) {
    Sha256 h;
    h.update(std::string_view(msg).substr(0, split));
    h.update(std::string_view(msg).substr(split));
    EXPECT_EQ(h.hex_digest(), whole) << "split at " << split;
  }
}

TEST(Sha256, FileDigest) {
  s2s::test_support::TempDir dir;
  auto path = dir.write("f.txt", "abc");
  EXPECT_EQ(s2s::io::sha256_file_hex(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_THROW(s2s::io::sha256_file_hex(dir.file("missing")), s2s::Error);
}
