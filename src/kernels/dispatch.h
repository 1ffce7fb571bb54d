#pragma once
// Owns (private to src/kernels/): what every Tensor-level dispatch source shares: operand checks
// (same device and dtype, sizes, int32 index tensors on the operands' device) and `dispatch`,
// which runs the CPU kernel for T = float/double or the float32 CUDA twin. With
// src/kernels/op_registry.cpp and cuda_runtime_stub.cpp, this is where S2S_WITH_CUDA is tested:
// the <family>_dispatch.cpp files and tensor_ops.cpp only call `dispatch`.
#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "s2s/core/error.h"
#include "s2s/core/tensor.h"

namespace s2s::kern::detail {

// Every tensor of an op lives on the same device and (for float operands) has the same dtype.
inline void check_same(const char* op, const Tensor& ref, std::initializer_list<const Tensor*> others) {
  for (const Tensor* t : others) {
    S2S_CHECK(t->defined(), op, ": undefined operand");
    S2S_CHECK(t->device() == ref.device(), op, ": operands on different devices (",
              device_name(ref.device()), " and ", device_name(t->device()), ")");
    S2S_CHECK(t->dtype() == ref.dtype(), op, ": operands of different dtypes (",
              dtype_name(ref.dtype()), " and ", dtype_name(t->dtype()), ")");
  }
}
inline void check_numel(const char* op, const Tensor& a, const Tensor& b) {
  S2S_CHECK(a.numel() == b.numel(), op, ": sizes differ: ", shape_str(a.shape()), " vs ",
            shape_str(b.shape()));
}
inline void check_shape(const char* op, const char* what, const Tensor& t, const Shape& want) {
  S2S_CHECK(t.defined(), op, ": ", what, " is undefined");
  S2S_CHECK(t.shape() == want, op, ": ", what, " has shape ", shape_str(t.shape()), ", expected ",
            shape_str(want));
}
inline void check_ids(const char* op, const Tensor& ids, const Tensor& ref) {
  S2S_CHECK(ids.defined(), op, ": undefined ids/labels");
  S2S_CHECK(ids.dtype() == DType::I32, op, ": ids/labels must be int32, got ", dtype_name(ids.dtype()));
  // A host index array handed to a device kernel would be dereferenced on the device.
  S2S_CHECK(ids.device() == ref.device(), op, ": ids/labels on ", device_name(ids.device()),
            ", operands on ", device_name(ref.device()));
}

// Runs cpu_fn(T{}) for a CPU float tensor, or cuda_fn() for a CUDA float32 one.
template <class CpuFn, class CudaFn>
void dispatch(const char* op, const Tensor& ref, CpuFn&& cpu_fn, CudaFn&& cuda_fn) {
  S2S_CHECK(is_floating(ref.dtype()), op, ": needs a float tensor, got ", dtype_name(ref.dtype()));
  if (ref.device() == Device::CPU) {
    dispatch_floating(ref.dtype(), cpu_fn);
    return;
  }
  S2S_CHECK(ref.dtype() == DType::F32, op, ": the CUDA backend is float32-only");
#ifdef S2S_WITH_CUDA
  cuda_fn();
#else
  (void)cuda_fn;
  S2S_FAIL(op, ": this build has no CUDA backend");
#endif
}

template <class T> T* ptr(Tensor& t) { return t.data<T>(); }
template <class T> const T* ptr(const Tensor& t) { return t.data<T>(); }
// A gradient output the caller may leave out (undefined Tensor): nullptr, which the fused
// backward kernels read as "not wanted".
template <class T> T* opt_ptr(Tensor* t) { return t != nullptr && t->defined() ? t->data<T>() : nullptr; }
inline float* fptr(Tensor& t) { return t.data<float>(); }
inline const float* fptr(const Tensor& t) { return t.data<float>(); }
inline float* opt_fptr(Tensor* t) { return opt_ptr<float>(t); }
inline const std::int32_t* iptr(const Tensor& t) { return t.data<std::int32_t>(); }
inline std::int32_t* iptr(Tensor& t) { return t.data<std::int32_t>(); }

// rows x cols view of a tensor whose last axis is the row.
inline std::int64_t last_dim(const Tensor& t) { return t.ndim() == 0 ? 1 : t.dim(-1); }
inline std::int64_t leading(const Tensor& t) { return t.numel() / std::max<std::int64_t>(last_dim(t), 1); }

}  // namespace s2s::kern::detail
