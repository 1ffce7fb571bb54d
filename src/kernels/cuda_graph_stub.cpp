// Owns: CudaGraph (kernels/cuda_graph.h) in a build without CUDA: capture() and replay() throw
// s2s::Error, an empty graph can be made, moved and destroyed. The CUDA version lives in
// src/kernels/cuda/cuda_graph.cpp; this file compiles to nothing when S2S_WITH_CUDA is defined.
#ifndef S2S_WITH_CUDA

#include <utility>

#include "s2s/core/error.h"
#include "s2s/kernels/cuda_graph.h"

namespace s2s::cuda {
namespace {
constexpr const char* kNoCuda = "s2s was built without CUDA (configure with -DS2S_WITH_CUDA=ON)";
}

CudaGraph::~CudaGraph() = default;
CudaGraph::CudaGraph(CudaGraph&&) noexcept {}
CudaGraph& CudaGraph::operator=(CudaGraph&&) noexcept { return *this; }
void CudaGraph::reset() noexcept {}
void CudaGraph::capture(const std::function<void()>&) { S2S_FAIL("s2s::cuda::CudaGraph::capture: ", kNoCuda); }
void CudaGraph::replay() { S2S_FAIL("s2s::cuda::CudaGraph::replay: ", kNoCuda); }

}  // namespace s2s::cuda

#endif  // S2S_WITH_CUDA
