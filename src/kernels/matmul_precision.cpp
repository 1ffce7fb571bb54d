// Owns: the process-wide matmul precision (gemm.h), read by the CPU and CUDA float32 GEMMs at
// every call. An atomic rather than a per-call argument so that the model code (ag::matmul, nn/)
// stays precision-agnostic and the trainer switches every product with one call.
#include <atomic>

#include "s2s/core/error.h"
#include "s2s/kernels/gemm.h"

namespace s2s::kern {
namespace {
std::atomic<MatmulPrecision> g_precision{MatmulPrecision::Float32};
}  // namespace

void set_matmul_precision(MatmulPrecision precision) { g_precision.store(precision); }

MatmulPrecision matmul_precision() { return g_precision.load(); }

std::string_view to_string(MatmulPrecision precision) {
  switch (precision) {
    case MatmulPrecision::Float32: return "float32";
    case MatmulPrecision::TF32: return "tf32";
    case MatmulPrecision::BF16: return "bf16";
  }
  S2S_FAIL("matmul precision: invalid enum value ", static_cast<int>(precision));
}

MatmulPrecision parse_matmul_precision(std::string_view name) {
  for (MatmulPrecision p : {MatmulPrecision::Float32, MatmulPrecision::TF32, MatmulPrecision::BF16})
    if (name == to_string(p)) return p;
  S2S_FAIL("matmul precision: unknown value '", name, "' (expected float32, tf32 or bf16)");
}

}  // namespace s2s::kern
