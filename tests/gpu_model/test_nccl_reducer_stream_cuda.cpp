// The NCCL reducer as the trainer makes it (dist::make_reducer("nccl", ...) with ReducerOptions
// left at their defaults, src/train/trainer.cpp build()) is ordered with the s2s CUDA context's
// stream, the one every kernel runs on. Before the fix the reducer packed and unpacked on the
// legacy default stream, which does not order with that non-blocking stream: a multi-GPU run
// averaged gradients that backward had not written yet and updated with the un-averaged ones.
// How the test sees the order, without CUDA headers: a chain of large GEMMs keeps the context
// stream busy for tens of milliseconds; behind it the gradient gets its value (a fill), is marked
// ready, and is then overwritten with -1 on the same stream. Only a packing copy queued behind the
// fill reads the value, and only an unpacking copy queued behind the overwrite restores it; on an
// unordered stream both copies run at once, the stale 0 is "averaged" and the -1 stays.
// One rank (NCCL allows no two ranks on one GPU; the average over one rank is the identity), a
// Local World (no MPI). Skipped without a CUDA device (the CudaTest fixture).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "gpu/harness.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/world.h"
#include "s2s/kernels/fill.h"
#include "s2s/kernels/gemm.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::test {
namespace {

class NcclReducerStream : public CudaTest {};

TEST_F(NcclReducerStream, MakeReducerOrdersWithTheContextStream) {
  if (!dist::nccl_reducer_available()) GTEST_SKIP() << "built without NCCL";
  dist::World world(dist::WorldOptions{/*use_mpi=*/false, /*timeout_s=*/120.0});
  Tensor grad = Tensor::zeros({4096}, DType::F32, Device::CUDA);
  Tensor aux = Tensor::zeros({5}, DType::F32, Device::CUDA);  // a second buffer, as StepHistory's
  dist::ReducerOptions options;  // cuda_stream left unset, as the trainer leaves it
  options.bucket_bytes = 1 << 20;
  std::unique_ptr<dist::GradientReducer> reducer = dist::make_reducer("nccl", world, options);
  reducer->prepare({grad, aux});

  // 20 × 2·4096³ FLOP in float32: tens of milliseconds of work queued on the context stream
  // (milliseconds even if an earlier test left a faster precision: it is restored below).
  struct KeepPrecision {
    kern::MatmulPrecision saved = kern::matmul_precision();
    ~KeepPrecision() { kern::set_matmul_precision(saved); }
  } keep;
  kern::set_matmul_precision(kern::MatmulPrecision::Float32);
  const std::int64_t n = 4096;
  Tensor a = Tensor::zeros({n, n}, DType::F32, Device::CUDA);
  Tensor b = Tensor::zeros({n, n}, DType::F32, Device::CUDA);
  Tensor c = Tensor::zeros({n, n}, DType::F32, Device::CUDA);
  kern::fill(a, 1e-3);
  kern::fill(b, 1e-3);
  for (int i = 0; i < 20; ++i) kern::gemm(c, a, b, false, false, 1.0, 0.0);

  for (int step = 1; step <= 3; ++step) {
    kern::fill(grad, 3.0 * step);  // "backward" writes the gradient
    reducer->ready(grad);
    kern::fill(grad, -1.0);        // only the unpack after the all-reduce may bring it back
    kern::fill(aux, 0.5 * step);
    reducer->ready(aux);
    reducer->finish();
    reducer->synchronize();
    const std::vector<float> got = grad.to_vector<float>();
    const std::vector<float> got_aux = aux.to_vector<float>();
    ASSERT_EQ(got.front(), float(3.0 * step)) << "step " << step << ": the reducer's copies are not ordered "
                                                 "with the context stream";
    ASSERT_EQ(got.back(), float(3.0 * step)) << "step " << step;
    ASSERT_EQ(got_aux.front(), float(0.5 * step)) << "step " << step;
    if (step < 3)
      for (int i = 0; i < 20; ++i) kern::gemm(c, a, b, false, false, 1.0, 0.0);  // busy again
  }
}

}  // namespace
}  // namespace s2s::test
