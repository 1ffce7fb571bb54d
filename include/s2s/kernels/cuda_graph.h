#pragma once
// Owns: CudaGraph, one CUDA graph recorded from the context's stream (cuda_context.h) by stream
// capture, with the private memory pool its allocations came from; CudaGraphCapturer, the
// GraphCapturer (graph_cache.h) that makes them, for GraphCache.
// Does not own: when to capture or replay (GraphCache), the step's inputs and outputs (device
// buffers the caller keeps at fixed addresses and fills before replay()).
//
// What capture(body) does: begins capture on the context's stream in thread-local mode, runs
// body() with this thread's allocations redirected to a new private pool of the caching allocator
// (MemoryPoolScope), ends the capture and instantiates the graph. Nothing is executed: every
// kernel, cuBLAS call, device copy and fill that body queues on the stream is recorded. The
// addresses body allocated are baked into the graph; the private pool guarantees that they are
// handed to nobody else while the graph lives (tensors body returns stay valid and are rewritten
// by each replay). The pool is released with the graph.
// Why thread-local mode: the global mode would also forbid "unsafe" calls (cudaMalloc, pageable
// copies, event queries) on other host threads during the capture, e.g. a prefetch thread
// uploading the next batch; relaxed mode would let this thread run them eagerly while capturing,
// silently missing them from the graph. Thread-local forbids them on the capturing thread only.
// The one unsafe call a capture needs is the cudaMalloc of each new block of the private pool
// (it starts empty): the caching allocator must relax the mode around that call only
// (cudaThreadExchangeStreamCaptureMode; a cudaMalloc made during capture is not recorded, and its
// memory stays with the pool, hence with the graph).
// Rules for the body (violations fail the capture with an s2s::Error, never a wrong graph):
// work only on the context's stream; no host<->device copies (the allocator throws), no
// synchronisation, no host reads of device values; see also the body contract in graph_cache.h.
// Other host threads must not queue work on the context's stream while a capture is in progress:
// it would be recorded into the graph (a PinnedBuffer::upload_async of the next batch would then
// be replayed every step with whatever the pinned buffer holds) or fail the capture.
// A failed capture leaves the stream usable (the capture is ended and its error state cleared).
// CUDA-header-free (opaque pointers); in a build without CUDA, capture() and replay() throw
// (src/kernels/cuda_graph_stub.cpp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "s2s/kernels/graph_cache.h"

namespace s2s::cuda {

class CudaGraph {
 public:
  CudaGraph() = default;  // empty: captured() is false
  ~CudaGraph();           // frees the executable graph, the graph and the private pool
  CudaGraph(CudaGraph&& other) noexcept;
  CudaGraph& operator=(CudaGraph&& other) noexcept;
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // Records body() into a new graph (replacing any held). Throws s2s::Error when the capture is
  // invalidated (naming the CUDA error) or instantiation fails; rethrows what body throws. On a
  // throw the graph stays empty and the stream is out of capture mode with no error pending.
  void capture(const std::function<void()>& body);
  // Launches the graph on the context's stream (asynchronous, ordered with the other work).
  void replay();

  bool captured() const { return exec_ != nullptr; }
  std::size_t node_count() const { return nodes_; }  // nodes in the recorded graph
  std::uint64_t memory_pool() const { return pool_; }  // MemoryPoolId of its allocations; 0 if empty

 private:
  void reset() noexcept;

  void* graph_ = nullptr;  // cudaGraph_t
  void* exec_ = nullptr;   // cudaGraphExec_t
  std::uint64_t pool_ = 0;
  std::size_t nodes_ = 0;
};

// GraphCapturer for GraphCache: each capture is a CudaGraph.
class CudaGraphCapturer final : public GraphCapturer {
 public:
  std::unique_ptr<CapturedGraph> capture(const std::function<void()>& body) override {
    auto held = std::make_unique<Held>();
    held->graph.capture(body);
    return held;
  }

 private:
  struct Held final : CapturedGraph {
    CudaGraph graph;
    void replay() override { graph.replay(); }
  };
};

}  // namespace s2s::cuda
