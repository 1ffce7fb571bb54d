#pragma once
// Owns: Tensor, a shaped, typed view of reference-counted storage on one device.
// Invariant: every Tensor is dense and row-major (contiguous). Views are taken along dim 0 only
// (rows of a matrix, time steps of a [T, B, ...] array), which keeps them contiguous; feature-axis
// pieces are produced by the concat/split kernels instead.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "s2s/core/dtype.h"
#include "s2s/core/error.h"

namespace s2s {

using Shape = std::vector<std::int64_t>;
std::int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);  // "[2, 3]"

// Where device memory comes from. CPU memory is plain aligned heap (or the current step arena);
// the CUDA backend installs its caching allocator with set_device_allocator().
class DeviceAllocator {
 public:
  virtual ~DeviceAllocator() = default;
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* p, std::size_t bytes) = 0;
  virtual void copy_to_host(void* host, const void* dev, std::size_t bytes) = 0;
  virtual void copy_from_host(void* dev, const void* host, std::size_t bytes) = 0;
  virtual void copy_on_device(void* dst, const void* src, std::size_t bytes) = 0;
  virtual void fill_zero(void* dev, std::size_t bytes) = 0;
};
void set_device_allocator(Device d, DeviceAllocator* allocator);
DeviceAllocator* device_allocator(Device d);  // nullptr for CPU or when none is installed

class Storage;

class Tensor {
 public:
  Tensor() = default;  // undefined tensor: defined() == false

  static Tensor empty(const Shape& shape, DType dtype, Device device = Device::CPU);
  static Tensor zeros(const Shape& shape, DType dtype, Device device = Device::CPU);
  static Tensor full(const Shape& shape, DType dtype, double value);  // CPU
  template <class T>
  static Tensor from_vector(const Shape& shape, const std::vector<T>& values);  // CPU copy
  static Tensor scalar(DType dtype, double value);  // shape [], CPU

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  std::int64_t dim(int i) const;  // negative i counts from the end
  std::int64_t numel() const { return numel_; }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel_) * dtype_size(dtype_); }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }

  void* raw();
  const void* raw() const;
  template <class T> T* data();              // checks that T matches dtype()
  template <class T> const T* data() const;
  template <class T> std::span<T> span() { return {data<T>(), static_cast<size_t>(numel_)}; }
  template <class T> std::span<const T> span() const { return {data<T>(), static_cast<size_t>(numel_)}; }
  template <class T> std::vector<T> to_vector() const;  // copies to host
  double item() const;  // the single element of a one-element float tensor, as double

  // Views sharing storage.
  Tensor rows(std::int64_t begin, std::int64_t end) const;  // [begin, end) along dim 0
  Tensor operator[](std::int64_t i) const;                   // element i of dim 0, rank - 1
  Tensor reshape(const Shape& shape) const;                  // same numel

  // Copies.
  Tensor clone() const;
  Tensor to(Device device) const;
  Tensor to_dtype(DType dtype) const;  // CPU only; float<->float, int<->int, int->float
  void copy_from(const Tensor& src);   // same shape and dtype, any devices
  void fill_zero();
  void fill(double value);  // CPU

  bool same_storage(const Tensor& other) const { return storage_ == other.storage_; }

 private:
  std::shared_ptr<Storage> storage_;
  std::size_t offset_ = 0;  // in bytes
  Shape shape_;
  std::int64_t numel_ = 0;
  DType dtype_ = DType::F32;
  Device device_ = Device::CPU;
};

// Throws s2s::Error naming `what` unless t has the expected shape / dtype.
void check_shape(const Tensor& t, const Shape& expected, const char* what);
void check_dtype(const Tensor& t, DType expected, const char* what);

// ---- template definitions ----
template <class T>
T* Tensor::data() {
  S2S_CHECK(dtype_ == dtype_of_v<T>, "tensor holds ", dtype_name(dtype_), ", accessed as ",
            dtype_name(dtype_of_v<T>));
  return static_cast<T*>(raw());
}
template <class T>
const T* Tensor::data() const {
  S2S_CHECK(dtype_ == dtype_of_v<T>, "tensor holds ", dtype_name(dtype_), ", accessed as ",
            dtype_name(dtype_of_v<T>));
  return static_cast<const T*>(raw());
}
template <class T>
Tensor Tensor::from_vector(const Shape& shape, const std::vector<T>& values) {
  S2S_CHECK(shape_numel(shape) == static_cast<std::int64_t>(values.size()), "from_vector: shape ",
            shape_str(shape), " needs ", shape_numel(shape), " values, got ", values.size());
  Tensor t = empty(shape, dtype_of_v<T>);
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}
template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = device_ == Device::CPU ? *this : to(Device::CPU);
  const T* p = host.data<T>();
  return std::vector<T>(p, p + numel_);
}

}  // namespace s2s
