// Owns: CudaGraph (kernels/cuda_graph.h) over the CUDA runtime's stream capture and graph API:
// begin/end capture on the context's stream, instantiation, launch, and the clean-up of a failed
// capture (partial graph destroyed, the capture error cleared from the thread's last error so
// the next launch check does not report it, private pool released).
#include <cuda_runtime.h>

#include <exception>
#include <string>
#include <utility>

#include "s2s/core/cuda_check.h"
#include "s2s/kernels/cuda_context.h"
#include "s2s/kernels/cuda_graph.h"
#include "s2s/kernels/cuda_runtime_api.h"

namespace s2s::cuda {
namespace {

cudaStream_t ctx_stream() { return static_cast<cudaStream_t>(context().stream()); }

std::string error_text(cudaError_t rc) {
  return std::string(cudaGetErrorName(rc)) + " (" + cudaGetErrorString(rc) + ")";
}

// Ends a capture being abandoned because the body threw. An invalidated capture returns no
// graph and an error; a valid one a partial graph, destroyed here. Either way the thread's last
// error is cleared. Returns an empty string, or what went wrong if the stream is still capturing.
std::string abandon_capture(cudaStream_t stream) noexcept {
  cudaGraph_t partial = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &partial);
  if (partial != nullptr) cudaGraphDestroy(partial);
  cudaGetLastError();
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  const cudaError_t query = cudaStreamIsCapturing(stream, &status);
  cudaGetLastError();
  if (query != cudaSuccess) return "cudaStreamIsCapturing: " + error_text(query);
  if (status != cudaStreamCaptureStatusNone) return "cudaStreamEndCapture: " + error_text(ended);
  return {};
}

// On a path that is already failing: the failure being reported matters more than this one.
void release_pool_quietly(MemoryPoolId pool) noexcept {
  try {
    release_memory_pool(pool);
  } catch (...) {
  }
}

std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace

CudaGraph::~CudaGraph() { reset(); }

CudaGraph::CudaGraph(CudaGraph&& other) noexcept
    : graph_(std::exchange(other.graph_, nullptr)),
      exec_(std::exchange(other.exec_, nullptr)),
      pool_(std::exchange(other.pool_, 0)),
      nodes_(std::exchange(other.nodes_, 0)) {}

CudaGraph& CudaGraph::operator=(CudaGraph&& other) noexcept {
  if (this != &other) {
    reset();
    graph_ = std::exchange(other.graph_, nullptr);
    exec_ = std::exchange(other.exec_, nullptr);
    pool_ = std::exchange(other.pool_, 0);
    nodes_ = std::exchange(other.nodes_, 0);
  }
  return *this;
}

// No checks (a destructor): a graph outliving the backend (shutdown() first) leaks its handles
// rather than calling into a destroyed context. The stream is drained before the pool's blocks
// go back to the driver, since a replay still in flight may be using them; not while the stream
// is being captured (destroying a graph inside another capture's body is not supported).
void CudaGraph::reset() noexcept {
  if (graph_ == nullptr && exec_ == nullptr && pool_ == 0) return;
  if (has_context()) {
    try {
      cudaStream_t stream = ctx_stream();
      cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
      if (cudaStreamIsCapturing(stream, &status) == cudaSuccess && status == cudaStreamCaptureStatusNone) {
        cudaStreamSynchronize(stream);
      }
      if (exec_ != nullptr) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_));
      if (graph_ != nullptr) cudaGraphDestroy(static_cast<cudaGraph_t>(graph_));
      if (pool_ != 0) release_memory_pool(pool_);
    } catch (...) {  // e.g. the allocator is gone: nothing useful to do in a destructor
    }
  }
  graph_ = exec_ = nullptr;
  pool_ = 0;
  nodes_ = 0;
}

void CudaGraph::capture(const std::function<void()>& body) {
  reset();
  cudaStream_t stream = ctx_stream();
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  S2S_CUDA_CHECK(cudaStreamIsCapturing(stream, &status));
  S2S_CHECK(status == cudaStreamCaptureStatusNone,
            "CudaGraph::capture: the context's stream is already being captured (nested capture)");
  // An error left pending by earlier work is reported now, not attributed to the capture.
  S2S_CUDA_CHECK(cudaGetLastError());

  const MemoryPoolId pool = create_memory_pool();
  const cudaError_t begun = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  if (begun != cudaSuccess) {  // release the pool (nothing else would) and clear the error
    cudaGetLastError();
    release_pool_quietly(pool);
  }
  S2S_CUDA_CHECK(begun);
  try {
    MemoryPoolScope scope(pool);
    body();
  } catch (...) {
    const std::string stuck = abandon_capture(stream);
    release_pool_quietly(pool);
    if (!stuck.empty()) {
      S2S_FAIL("CUDA graph capture: the body threw (", current_exception_text(),
               ") and the capture could not be ended: ", stuck, "; the context's stream is unusable");
    }
    throw;
  }

  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (ended != cudaSuccess || graph == nullptr) {
    if (graph != nullptr) cudaGraphDestroy(graph);
    cudaGetLastError();  // the invalidation is reported by the throw below, not by the next launch
    release_pool_quietly(pool);
    S2S_FAIL("CUDA graph capture was invalidated: cudaStreamEndCapture returned ",
             ended != cudaSuccess ? error_text(ended) : std::string("no graph"),
             "; the captured body made a call that is not allowed during stream capture (a "
             "synchronisation, a host copy, work on another stream, or a device allocation)");
  }
  std::size_t nodes = 0;
  cudaGraphExec_t exec = nullptr;
  try {
    S2S_CUDA_CHECK(cudaGraphGetNodes(graph, nullptr, &nodes));
    S2S_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
    // Uploads the executable now rather than on the first launch (optional, saves time there).
    S2S_CUDA_CHECK(cudaGraphUpload(exec, stream));
  } catch (...) {
    if (exec != nullptr) cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    cudaGetLastError();
    release_pool_quietly(pool);
    throw;
  }
  graph_ = graph;
  exec_ = exec;
  pool_ = pool;
  nodes_ = nodes;
}

void CudaGraph::replay() {
  S2S_CHECK(exec_ != nullptr, "CudaGraph::replay: nothing captured (capture() first, or it failed)");
  S2S_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec_), ctx_stream()));
}

}  // namespace s2s::cuda
