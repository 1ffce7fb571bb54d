#pragma once
// Owns: the element types and devices a Tensor can have, and their compile-time mapping.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace s2s {

enum class DType : std::uint8_t { F32, F64, I32, I64 };
enum class Device : std::uint8_t { CPU, CUDA };

constexpr std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I32: return 4;
    case DType::I64: return 8;
  }
  return 0;
}
constexpr bool is_floating(DType t) { return t == DType::F32 || t == DType::F64; }
std::string_view dtype_name(DType t);    // "float32", "float64", "int32", "int64"
std::string_view device_name(Device d);  // "cpu", "cuda"
DType dtype_from_name(std::string_view name);  // throws s2s::Error for unknown names

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::F64; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::I32; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::I64; };
template <class T> inline constexpr DType dtype_of_v = dtype_of<T>::value;

// Calls f(T{}) with T the C++ type of a floating dtype (float or double).
template <class F>
decltype(auto) dispatch_floating(DType t, F&& f) {
  if (t == DType::F64) return f(double{});
  return f(float{});
}

}  // namespace s2s
