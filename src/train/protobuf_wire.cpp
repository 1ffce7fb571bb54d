// Owns: protobuf wire-format encoding helpers (see protobuf_wire.h).
#include "s2s/train/protobuf_wire.h"

#include <cstring>

namespace s2s::train::pb {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, std::uint32_t field, WireType type) {
  put_varint(out, (static_cast<std::uint64_t>(field) << 3) | type);
}

void put_fixed32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_fixed64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_int64_field(std::string& out, std::uint32_t field, std::int64_t v) {
  put_tag(out, field, kVarint);
  put_varint(out, static_cast<std::uint64_t>(v));
}

void put_double_field(std::string& out, std::uint32_t field, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  put_tag(out, field, kFixed64);
  put_fixed64(out, bits);
}

void put_float_field(std::string& out, std::uint32_t field, float v) {
  std::uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  put_tag(out, field, kFixed32);
  put_fixed32(out, bits);
}

void put_bytes_field(std::string& out, std::uint32_t field, std::string_view bytes) {
  put_tag(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

}  // namespace s2s::train::pb
