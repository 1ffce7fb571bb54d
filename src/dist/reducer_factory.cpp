// Owns: make_reducer (creation of a GradientReducer by name) and the wiring of the MPI-free NCCL
// reducer's callbacks to the World (ncclUniqueId broadcast, agreement checks, timeout/abort) and
// to the s2s CUDA context (the stream the gradients are produced on).
#include <cstring>

#include <mpi.h>

#include "s2s/core/mpi_check.h"
#include "s2s/dist/exit_codes.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/mpi_reducer.h"
#include "s2s/dist/nccl_reducer.h"
#include "s2s/dist/single_rank_reducer.h"
#include "s2s/dist/world.h"
#ifdef S2S_DIST_WITH_NCCL
#include "s2s/kernels/cuda_context.h"
#endif

namespace s2s::dist {

bool nccl_reducer_available() {
#ifdef S2S_DIST_WITH_NCCL
  return true;
#else
  return false;
#endif
}

namespace {
#ifdef S2S_DIST_WITH_NCCL
NcclBootstrap bootstrap_for(World& world, int device) {
  NcclBootstrap b;
  b.rank = world.rank();
  b.size = world.size();
  b.device = device;
  b.timeout_s = world.timeout_s();
  b.broadcast_from_root = [&world](void* data, std::size_t bytes) {
    if (!world.uses_mpi()) return;
    MPI_Request req = MPI_REQUEST_NULL;
    S2S_MPI_CHECK(MPI_Ibcast(data, static_cast<int>(bytes), MPI_BYTE, 0, world.comm(), &req));
    world.wait(std::span<MPI_Request>(&req, 1), "broadcast of the ncclUniqueId");
  };
  b.same_on_all_ranks = [&world](std::uint64_t v) {
    return world.all_equal(v, "nccl reducer agreement check");
  };
  b.on_timeout = [&world](std::string_view what, double waited) {
    world.abort_on_timeout(what, waited);
  };
  b.on_async_error = [&world](const std::string& message) {
    world.abort(kExitNcclError, message);
  };
  return b;
}
#endif
}  // namespace

std::unique_ptr<GradientReducer> make_reducer(std::string_view name, World& world,
                                              const ReducerOptions& options) {
  if (name == "none") {
    S2S_CHECK(world.size() == 1, "gradient reducer 'none' averages nothing: it needs a single rank, this run has ",
              world.size(), " (use mpi, nccl or auto)");
    return std::make_unique<SingleRankReducer>();
  }
  if (name == "mpi") return std::make_unique<MpiReducer>(world, options);
  if (name == "nccl") {
#ifdef S2S_DIST_WITH_NCCL
    // The device is the one the caller made current (cudaSetDevice(world.device_for_local_rank(n)))
    // — passed as -1 so the reducer keeps it.
    // The stream: left unset (nullptr) the reducer would pack and unpack on the legacy default
    // stream, which does not order with the context's non-blocking stream that every s2s kernel
    // runs on (cuda_context.h): the packing copies would read gradients backward has not written
    // yet, and the clip and update would read them before the averaged values are copied back.
    ReducerOptions o = options;
    if (o.cuda_stream == nullptr && cuda::has_context()) o.cuda_stream = cuda::context().stream();
    return make_nccl_reducer(bootstrap_for(world, -1), o);
#else
    S2S_FAIL("reducer 'nccl' is not available: s2s was built without CUDA (S2S_WITH_CUDA=OFF); "
             "use 'mpi'");
#endif
  }
  S2S_FAIL("unknown gradient reducer '", name, "' (expected 'mpi', 'nccl' or 'none')");
}

}  // namespace s2s::dist
