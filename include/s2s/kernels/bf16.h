#pragma once
// Owns: bfloat16 rounding of float32 values on the host: the operand rounding of the BF16 matmul
// precision (gemm.h). CPU twin of the CUDA conversion __float2bfloat16_rn (cuda_bf16.h), bit for
// bit, so the CPU bf16 GEMM rounds its operands exactly as the CUDA one does:
//   - round to nearest, ties to even, on the 16 low bits of the float32 pattern;
//   - subnormals are rounded the same way (no flush to zero), and a value at or past halfway
//     between the largest bfloat16 (0x7F7F, ≈ 3.39e38) and 2^128 rounds to ±infinity;
//   - ±infinity stays ±infinity; every NaN becomes the canonical NaN 0x7FFF (what both the
//     emulation in cuda_bf16.hpp and the sm_80+ instruction cvt.rn.bf16.f32 produce).
// bfloat16 keeps float32's 8 exponent bits and 7 explicit mantissa bits: unit roundoff 2^-8.
// A bfloat16 value widened back to float32 (bits << 16) is exact, and so is the float32 product
// of two of them (8 + 8 significant bits <= 24), which is why a bf16 GEMM with float32
// accumulation equals a float32 GEMM of the pre-rounded operands up to summation order.
// Not in namespace s2s::cpu: these are helpers, not ops with a CUDA twin (op_registry.h).
#include <bit>
#include <cstdint>

namespace s2s::kern {

constexpr std::uint16_t kBf16CanonicalNaN = 0x7FFF;

// float32 -> bfloat16 bit pattern, round to nearest even.
constexpr std::uint16_t float_to_bf16_bits(float x) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return kBf16CanonicalNaN;
  // Adding 0x7FFF carries into bit 16 exactly when the low half is past halfway; the low bit of
  // the kept half breaks the tie (0x8000) towards even. Cannot overflow 32 bits: |x| <= inf.
  return static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

constexpr float bf16_bits_to_float(std::uint16_t h) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

// x rounded to the nearest bfloat16, as a float32.
constexpr float round_to_bf16(float x) { return bf16_bits_to_float(float_to_bf16_bits(x)); }

// y[i] = round_to_bf16(x[i]) for i < n (y == x allowed).  y, x [n].
void round_to_bf16(float* y, const float* x, std::int64_t n);

}  // namespace s2s::kern
