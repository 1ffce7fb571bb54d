#pragma once
// Owns: the enumerable list of kernel ops: each op's name, family (its header), and the addresses
// of its CPU float32 / float64 kernels and its CUDA twin. The coverage test compares this list
// with the ops declared in the kernel headers and fails on any op without a CUDA twin; the GPU
// parity tests call the CUDA twins through it (so they link in a build without CUDA too).
// The cuda pointer is null in a build without CUDA. Function pointers are stored type-erased;
// cast back with the op's own type (decltype(&s2s::cuda::<op>)).
#include <span>
#include <string_view>

namespace s2s::kern {

using AnyFn = void (*)();

struct OpEntry {
  std::string_view family;  // header under include/s2s/kernels/, without ".h"
  std::string_view name;
  AnyFn cpu_f32;
  AnyFn cpu_f64;
  AnyFn cuda;               // nullptr without CUDA
};

std::span<const OpEntry> op_registry();
const OpEntry* find_op(std::string_view name);  // nullptr if unknown
bool cuda_backend_built();

}  // namespace s2s::kern
