// Owns: the CUDA context (stream, cuBLAS handle and its fixed workspace, device error record),
// the process-wide instance made by initialize(), device discovery, and cublas_status_text() of
// core/cuda_check.h.
// The instance is deliberately not destroyed at exit (only by shutdown()): tensors held in static
// objects may be freed after it, and CUDA calls during static destruction can fail once the
// runtime has started unloading.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <memory>
#include <mutex>

#include "device_error.h"
#include "s2s/core/cuda_check.h"
#include "s2s/kernels/cuda_context.h"
#include "s2s/kernels/cuda_runtime_api.h"

namespace s2s {
namespace detail {
const char* cublas_status_text(cublasStatus_t status) { return cublasGetStatusString(status); }
}  // namespace detail

namespace cuda {
namespace {
std::mutex g_mutex;
Context* g_context = nullptr;                // see the file comment: never destroyed at exit
CudaCachingAllocator* g_allocator = nullptr;
}  // namespace

const char* device_error_op_name(int op) {
  switch (op) {
    case kErrEmbeddingGather: return "embedding_gather: embedding id";
    case kErrEmbeddingScatterAdd: return "embedding_scatter_add: embedding id";
    case kErrSoftmaxXentForward: return "softmax_xent_forward: label";
    case kErrSoftmaxXentBackward: return "softmax_xent_backward: label";
    case kErrCoalesceRows: return "coalesce_rows: row id";
    case kErrSparseUpdate: return "sparse optimizer update: row id";
    default: return "unknown op: index";
  }
}

Context::Context(int device) : device_(device) {
  try {
    S2S_CUDA_CHECK(cudaSetDevice(device));
    cudaStream_t stream = nullptr;
    S2S_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    stream_ = stream;
    cublasHandle_t handle = nullptr;
    S2S_CUBLAS_CHECK(cublasCreate(&handle));
    cublas_ = handle;
    S2S_CUBLAS_CHECK(cublasSetStream(handle, stream));
    // After cublasSetStream, which resets the workspace to cuBLAS's own pool.
    set_cublas_workspace(device);
    void* dev = nullptr;
    S2S_CUDA_CHECK(cudaMalloc(&dev, sizeof(DeviceError)));
    error_ = static_cast<DeviceError*>(dev);
    S2S_CUDA_CHECK(cudaMemsetAsync(error_, 0, sizeof(DeviceError), stream));
    void* host = nullptr;
    S2S_CUDA_CHECK(cudaMallocHost(&host, sizeof(DeviceError)));
    error_mirror_ = static_cast<DeviceError*>(host);
    S2S_CUDA_CHECK(cudaStreamSynchronize(stream));
  } catch (...) {
    release();
    throw;
  }
}

// cuBLAS's default workspace is allocated by the library on first use with a stream, which is a
// device allocation: during stream capture it fails (or, with cudaMallocAsync, goes into the
// graph, a new one per captured graph). A workspace of our own, set once, makes every cuBLAS call
// capturable, on the first call too. Size: the cuBLAS documentation (cublasSetWorkspace)
// recommends 32 MiB on Hopper and later, 4 MiB on earlier GPUs; cudaMalloc's 256-byte alignment
// meets its alignment requirement.
void Context::set_cublas_workspace(int device) {
  int major = 0;
  S2S_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  const std::size_t bytes = (major >= 9 ? std::size_t{32} : std::size_t{4}) << 20;
  S2S_CUDA_CHECK(cudaMalloc(&cublas_workspace_, bytes));
  cublas_workspace_bytes_ = bytes;
  S2S_CUBLAS_CHECK(cublasSetWorkspace(static_cast<cublasHandle_t>(cublas_), cublas_workspace_, bytes));
}

Context::~Context() { release(); }

// No checks: called from the destructor and on a failed construction, where nothing useful can
// be done about a failure.
void Context::release() noexcept {
  if (cublas_ != nullptr) cublasDestroy(static_cast<cublasHandle_t>(cublas_));
  if (cublas_workspace_ != nullptr) cudaFree(cublas_workspace_);  // after the handle that uses it
  if (stream_ != nullptr) cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
  if (error_ != nullptr) cudaFree(error_);
  if (error_mirror_ != nullptr) cudaFreeHost(error_mirror_);
  cublas_ = stream_ = cublas_workspace_ = nullptr;
  cublas_workspace_bytes_ = 0;
  error_ = error_mirror_ = nullptr;
}

void Context::synchronize() {
  auto stream = static_cast<cudaStream_t>(stream_);
  S2S_CUDA_CHECK(cudaMemcpyAsync(error_mirror_, error_, sizeof(DeviceError), cudaMemcpyDeviceToHost, stream));
  S2S_CUDA_CHECK(cudaStreamSynchronize(stream));
  if (error_mirror_->claimed == 0) return;
  const DeviceError report = *error_mirror_;
  S2S_CUDA_CHECK(cudaMemsetAsync(error_, 0, sizeof(DeviceError), stream));  // report once
  S2S_CUDA_CHECK(cudaStreamSynchronize(stream));
  error_mirror_->claimed = 0;
  S2S_FAIL(device_error_op_name(report.op), " ", report.value, " at position ", report.position,
           " is outside [0, ", report.limit, ") (reported by a CUDA kernel on device ", device_,
           ", ", process_identity(), ")");
}

Context& context() {
  S2S_CHECK(g_context != nullptr, "the CUDA backend is not initialised: call s2s::cuda::initialize(device) first");
  thread_local int current_device = -1;  // cudaSetDevice is per host thread
  if (current_device != g_context->device()) {
    S2S_CUDA_CHECK(cudaSetDevice(g_context->device()));
    current_device = g_context->device();
  }
  return *g_context;
}
bool has_context() { return g_context != nullptr; }

int device_count(std::string* reason) {
  int n = 0;
  const cudaError_t rc = cudaGetDeviceCount(&n);
  if (rc != cudaSuccess) {
    cudaGetLastError();  // not a sticky error: clear it so later calls start clean
    if (reason != nullptr) *reason = cudaGetErrorString(rc);
    return 0;
  }
  if (n == 0 && reason != nullptr) *reason = "the driver reports no device";
  return n;
}

std::string device_uuid(int device) {
  cudaDeviceProp prop{};
  const cudaError_t rc = cudaGetDeviceProperties(&prop, device);
  S2S_CHECK(rc == cudaSuccess, "cudaGetDeviceProperties(", device, "): ", cudaGetErrorString(rc));
  const auto* b = reinterpret_cast<const unsigned char*>(prop.uuid.bytes);
  std::string out = "GPU-";
  for (int i = 0; i < 16; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

void initialize(int device) {
  std::lock_guard lock(g_mutex);
  if (g_context != nullptr) {
    S2S_CHECK(g_context->device() == device, "s2s::cuda::initialize(", device,
              "): already initialised on device ", g_context->device(), " (one device per process)");
    return;
  }
  std::string reason;
  const int n = device_count(&reason);
  S2S_CHECK(n > 0, "s2s::cuda::initialize(", device, "): no CUDA device (", reason, ")");
  S2S_CHECK(device >= 0 && device < n, "s2s::cuda::initialize(", device, "): only ", n,
            " device(s) visible");
  auto ctx = std::make_unique<Context>(device);
  g_context = ctx.release();
  g_allocator = new CudaCachingAllocator();
  set_device_allocator(Device::CUDA, g_allocator);
}

bool initialized() { return g_context != nullptr; }

void shutdown() {
  std::lock_guard lock(g_mutex);
  if (g_context == nullptr) return;
  g_context->synchronize();
  set_device_allocator(Device::CUDA, nullptr);
  delete g_allocator;  // frees the cached blocks
  g_allocator = nullptr;
  delete g_context;
  g_context = nullptr;
}

void synchronize() { context().synchronize(); }

AllocatorStats allocator_stats() {
  S2S_CHECK(g_allocator != nullptr, "allocator_stats: the CUDA backend is not initialised");
  return g_allocator->stats();
}

void empty_cache() {
  S2S_CHECK(g_allocator != nullptr, "empty_cache: the CUDA backend is not initialised");
  g_allocator->empty_cache();
}

}  // namespace cuda
}  // namespace s2s
