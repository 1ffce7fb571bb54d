#pragma once
// Owns (GPU tests): one GEMM parity case and its run on the CUDA twin, shared by the float32/TF32
// (test_parity_gemm.cpp) and bf16 (test_parity_gemm_bf16.cpp) parity tests: operands in guarded
// device arrays, C poisoned when beta = 0 (it must not be read), every guard checked.
#include <sstream>
#include <string>
#include <vector>

#include "gpu/harness.h"
#include "s2s/kernels/gemm.h"

namespace s2s::test {

struct GemmCase {
  std::int64_t batch, m, n, k;
  bool ta, tb;
  float alpha, beta;
  bool batched;  // through gemm_batched (else gemm, batch must be 1)
  std::string str() const {
    std::ostringstream os;
    os << (batched ? "gemm_batched" : "gemm") << " batch=" << batch << " m=" << m << " n=" << n << " k=" << k
       << " ta=" << ta << " tb=" << tb << " alpha=" << alpha << " beta=" << beta;
    return os.str();
  }
};

// Runs one case on the device (at the current matmul precision) and returns C.
inline std::vector<float> run_cuda_gemm(const GemmCase& c, const std::vector<float>& a, const std::vector<float>& b,
                                        const std::vector<float>& c0) {
  DeviceArray<float> da(a), db(b);
  DeviceArray<float> dc = c.beta != 0.0f ? DeviceArray<float>(c0) : DeviceArray<float>::poisoned(c.batch * c.m * c.n);
  if (c.batched)
    S2S_CUDA_OP(gemm_batched)(dc.ptr(), da.ptr(), db.ptr(), c.ta, c.tb, c.batch, c.m, c.n, c.k, c.alpha, c.beta);
  else
    S2S_CUDA_OP(gemm)(dc.ptr(), da.ptr(), db.ptr(), c.ta, c.tb, c.m, c.n, c.k, c.alpha, c.beta);
  EXPECT_TRUE(da.guards_intact("A")) << c.str();
  EXPECT_TRUE(db.guards_intact("B")) << c.str();
  EXPECT_TRUE(dc.guards_intact("C")) << c.str();
  return dc.read();
}

}  // namespace s2s::test
