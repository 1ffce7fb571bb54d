#pragma once
// Owns: the few protobuf wire-format encoders the TensorBoard writer needs (varint, fixed32,
// fixed64, length-delimited), so s2s needs no protoc. Encoding rules:
// https://protobuf.dev/programming-guides/encoding/ (tag = field << 3 | wire type).
#include <cstdint>
#include <string>
#include <string_view>

namespace s2s::train::pb {

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, std::uint64_t v);
void put_tag(std::string& out, std::uint32_t field, WireType type);
void put_fixed32(std::string& out, std::uint32_t v);  // little-endian
void put_fixed64(std::string& out, std::uint64_t v);  // little-endian

// Whole fields.
void put_int64_field(std::string& out, std::uint32_t field, std::int64_t v);  // varint (two's complement)
void put_double_field(std::string& out, std::uint32_t field, double v);
void put_float_field(std::string& out, std::uint32_t field, float v);
void put_bytes_field(std::string& out, std::uint32_t field, std::string_view bytes);  // strings, messages

}  // namespace s2s::train::pb
