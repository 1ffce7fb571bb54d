#pragma once
// Owns: the seam between the MPI side of dist/ and the NCCL reducer, which is compiled by nvcc in
// src/dist/nccl/ without MPI headers (and only when S2S_WITH_CUDA). Everything the NCCL reducer
// needs from MPI comes in as callbacks; make_reducer("nccl", world) wires them to the World.
// Use make_reducer() from gradient_reducer.h; call this directly only without MPI (one-GPU tests).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "s2s/dist/gradient_reducer.h"

namespace s2s::dist {

struct NcclBootstrap {
  int rank = 0;
  int size = 1;
  int device = -1;  // CUDA device of this rank (cudaSetDevice), -1: the current device
  double timeout_s = 300.0;
  // Copies `bytes` bytes at `data` from rank 0 to every rank (the ncclUniqueId). Required.
  std::function<void(void* data, std::size_t bytes)> broadcast_from_root;
  // True iff every rank passed the same value (layout and order checks). Empty: not checked.
  std::function<bool(std::uint64_t value)> same_on_all_ranks;
  // Called after ncclCommAbort when an NCCL operation misses the deadline; must not return
  // (World::abort_on_timeout). Empty: throw s2s::Error.
  std::function<void(std::string_view what, double waited_s)> on_timeout;
  // Called after ncclCommAbort on an asynchronous NCCL error; must not return
  // (World::abort(kExitNcclError, ...)). Empty: throw s2s::Error.
  std::function<void(const std::string& message)> on_async_error;
};

// Defined only in CUDA builds (see nccl_reducer_available()).
std::unique_ptr<GradientReducer> make_nccl_reducer(const NcclBootstrap& bootstrap,
                                                   const ReducerOptions& options);

}  // namespace s2s::dist
