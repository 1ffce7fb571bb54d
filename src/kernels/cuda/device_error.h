#pragma once
// Owns: the report a kernel writes when it meets an invalid index (an embedding id outside the
// table, a label outside the vocabulary). The CPU kernels throw at once; a CUDA kernel cannot, and
// checking on the host would cost a synchronisation per op, so the kernel poisons its output (NaN)
// and records the first bad index here; Context::synchronize() turns the record into an
// s2s::Error at the next synchronisation (synchronize(), or any copy to the host).
// The record lives in device memory (device atomics on mapped host memory are not portable);
// synchronize() copies it to a pinned mirror in the same stream sync, so checking costs no
// extra round trip.
#include <cstdint>

namespace s2s::cuda {

enum DeviceErrorOp : int {
  kErrNone = 0,
  kErrEmbeddingGather = 1,
  kErrEmbeddingScatterAdd = 2,
  kErrSoftmaxXentForward = 3,
  kErrSoftmaxXentBackward = 4,
  kErrCoalesceRows = 5,
  kErrSparseUpdate = 6,
};

struct DeviceError {
  int claimed;              // 0 until the first report wins the atomicCAS
  int op;                   // DeviceErrorOp
  long long position;       // index of the offending id / row
  long long value;          // the offending id / label
  long long limit;          // valid range is [0, limit)
};

const char* device_error_op_name(int op);

}  // namespace s2s::cuda
