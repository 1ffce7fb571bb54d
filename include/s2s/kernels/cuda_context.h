#pragma once
// Owns: the CUDA execution context of this process: one device, one stream on which every s2s
// kernel, cuBLAS call and copy is ordered, one cuBLAS handle bound to that stream, and the
// device-side error word kernels use to report bad indices (an id outside the vocabulary) without
// a host round trip. Created by s2s::cuda::initialize() (cuda_runtime_api.h).
// Does not own: device memory (cuda_allocator.h).
// Why one stream: the trainer runs one rank per GPU and one step at a time, so a single ordered
// stream is all the concurrency the library needs, and it makes the caching allocator's reuse of a
// freed block safe without events (everything that could still read the block runs before
// anything that writes it again). Kernels must be called from one host thread at a time.
// CUDA-header-free (opaque pointers) so it compiles in CPU-only builds.
#include <cstddef>

namespace s2s::cuda {

// A report written by a kernel that found an invalid index (see src/kernels/cuda/device_error.h).
struct DeviceError;

class Context {
 public:
  explicit Context(int device);  // makes `device` current, creates the stream and cuBLAS handle
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int device() const { return device_; }
  void* stream() const { return stream_; }  // cudaStream_t
  void* cublas() const { return cublas_; }  // cublasHandle_t
  // The handle's fixed workspace (device memory), set once with cublasSetWorkspace so that cuBLAS
  // never allocates one itself, which it must not do while a CUDA graph is being captured
  // (cuda_graph.h). Note: cublasSetStream resets the workspace; nothing may call it on the handle.
  std::size_t cublas_workspace_bytes() const { return cublas_workspace_bytes_; }
  DeviceError* device_error() const { return error_; }  // device memory, written by kernels

  // Waits for all queued work, then throws s2s::Error if a kernel reported a bad index (the
  // report is read with the same synchronisation, through a pinned mirror, and then cleared).
  void synchronize();

 private:
  void release() noexcept;
  void set_cublas_workspace(int device);

  int device_;
  void* stream_ = nullptr;
  void* cublas_ = nullptr;
  void* cublas_workspace_ = nullptr;  // device
  std::size_t cublas_workspace_bytes_ = 0;
  DeviceError* error_ = nullptr;         // device
  DeviceError* error_mirror_ = nullptr;  // pinned host copy, refreshed by synchronize()
};

// The context made by initialize(); throws s2s::Error if initialize() was not called. Also makes
// the context's device current on the calling thread (once per thread), so helper threads that
// move tensors use the right device.
Context& context();
bool has_context();

}  // namespace s2s::cuda
