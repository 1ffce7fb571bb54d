// Owns: Tensor storage management, views and copies.
#include "s2s/core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <numeric>

#include "s2s/core/arena.h"

namespace s2s {

namespace {
DeviceAllocator* g_allocators[2] = {nullptr, nullptr};
}

void set_device_allocator(Device d, DeviceAllocator* allocator) {
  g_allocators[static_cast<int>(d)] = allocator;
}
DeviceAllocator* device_allocator(Device d) { return g_allocators[static_cast<int>(d)]; }

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
  }
  return "?";
}
std::string_view device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }
DType dtype_from_name(std::string_view name) {
  for (DType t : {DType::F32, DType::F64, DType::I32, DType::I64})
    if (dtype_name(t) == name) return t;
  S2S_FAIL("unknown dtype '", name, "' (expected float32, float64, int32 or int64)");
}

std::int64_t shape_numel(const Shape& s) {
  // Shapes can come from files (a crafted checkpoint declared [2^40, 2^40, 2^40]): a product past
  // int64 is an error, not undefined behaviour and a wrapped size.
  std::int64_t n = 1;
  for (auto d : s)
    S2S_CHECK(!__builtin_mul_overflow(n, d, &n), "shape ", shape_str(s), " has more than 2^63 elements");
  return n;
}
std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

class Storage {
 public:
  Storage(std::size_t bytes, Device device) : bytes_(bytes), device_(device) {
    if (device == Device::CPU) {
      if (Arena* arena = Arena::current()) {
        data_ = arena->allocate(bytes);
        arena_ = arena;
        generation_ = arena->generation();
        return;
      }
      data_ = std::aligned_alloc(64, (std::max<std::size_t>(bytes, 1) + 63) / 64 * 64);
      S2S_CHECK(data_ != nullptr, "out of host memory allocating ", bytes, " bytes");
    } else {
      DeviceAllocator* a = device_allocator(device);
      S2S_CHECK(a != nullptr, "no allocator for device ", device_name(device),
                " (CUDA backend not built or not initialised)");
      data_ = a->allocate(bytes);
    }
  }
  ~Storage() {
    if (arena_ != nullptr) return;
    if (device_ == Device::CPU) std::free(data_);
    else if (data_ != nullptr) device_allocator(device_)->deallocate(data_, bytes_);
  }
  void* data() const {
    S2S_CHECK(arena_ == nullptr || arena_->generation() == generation_,
              "tensor used after its step arena was reset (it must be created outside the arena)");
    return data_;
  }
  std::size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_;
  Device device_;
  Arena* arena_ = nullptr;
  std::uint64_t generation_ = 0;
};

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (auto d : shape) S2S_CHECK(d >= 0, "negative dimension in shape ", shape_str(shape));
  Tensor t;
  t.shape_ = shape;
  t.numel_ = shape_numel(shape);
  S2S_CHECK(t.numel_ <= std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(dtype_size(dtype)),
            "shape ", shape_str(shape), " of ", dtype_name(dtype), " has more than 2^63 bytes");
  t.dtype_ = dtype;
  t.device_ = device;
  t.storage_ = std::make_shared<Storage>(t.nbytes(), device);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.fill_zero();
  return t;
}

Tensor Tensor::full(const Shape& shape, DType dtype, double value) {
  Tensor t = empty(shape, dtype);
  t.fill(value);
  return t;
}

Tensor Tensor::scalar(DType dtype, double value) { return full({}, dtype, value); }

std::int64_t Tensor::dim(int i) const {
  int n = ndim();
  if (i < 0) i += n;
  S2S_CHECK(i >= 0 && i < n, "dimension ", i, " out of range for shape ", shape_str(shape_));
  return shape_[i];
}

void* Tensor::raw() {
  S2S_CHECK(defined(), "access to an undefined tensor");
  return static_cast<std::byte*>(storage_->data()) + offset_;
}
const void* Tensor::raw() const {
  S2S_CHECK(defined(), "access to an undefined tensor");
  return static_cast<const std::byte*>(storage_->data()) + offset_;
}

double Tensor::item() const {
  S2S_CHECK(numel_ == 1, "item() needs one element, tensor has shape ", shape_str(shape_));
  Tensor h = device_ == Device::CPU ? *this : to(Device::CPU);
  switch (dtype_) {
    case DType::F32: return *h.data<float>();
    case DType::F64: return *h.data<double>();
    case DType::I32: return *h.data<std::int32_t>();
    case DType::I64: return static_cast<double>(*h.data<std::int64_t>());
  }
  return 0;
}

Tensor Tensor::rows(std::int64_t begin, std::int64_t end) const {
  S2S_CHECK(ndim() >= 1, "rows() of a scalar");
  S2S_CHECK(0 <= begin && begin <= end && end <= shape_[0], "rows [", begin, ", ", end,
            ") out of range for shape ", shape_str(shape_));
  Tensor t = *this;
  std::int64_t row = shape_[0] == 0 ? 0 : numel_ / shape_[0];
  t.offset_ += static_cast<std::size_t>(begin * row) * dtype_size(dtype_);
  t.shape_[0] = end - begin;
  t.numel_ = row * (end - begin);
  return t;
}

Tensor Tensor::operator[](std::int64_t i) const {
  Tensor t = rows(i, i + 1);
  t.shape_.erase(t.shape_.begin());
  return t;
}

Tensor Tensor::reshape(const Shape& shape) const {
  S2S_CHECK(shape_numel(shape) == numel_, "cannot reshape ", shape_str(shape_), " to ",
            shape_str(shape));
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

void Tensor::copy_from(const Tensor& src) {
  S2S_CHECK(src.numel_ == numel_ && src.dtype_ == dtype_, "copy_from: ", shape_str(src.shape_),
            " ", dtype_name(src.dtype_), " into ", shape_str(shape_), " ", dtype_name(dtype_));
  if (numel_ == 0) return;
  if (device_ == Device::CPU && src.device_ == Device::CPU) {
    std::memcpy(raw(), src.raw(), nbytes());
  } else if (device_ == Device::CPU) {
    device_allocator(src.device_)->copy_to_host(raw(), src.raw(), nbytes());
  } else if (src.device_ == Device::CPU) {
    device_allocator(device_)->copy_from_host(raw(), src.raw(), nbytes());
  } else {
    device_allocator(device_)->copy_on_device(raw(), src.raw(), nbytes());
  }
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_, device_);
  t.copy_from(*this);
  return t;
}

Tensor Tensor::to(Device device) const {
  if (device == device_) return *this;
  Tensor t = empty(shape_, dtype_, device);
  t.copy_from(*this);
  return t;
}

Tensor Tensor::to_dtype(DType dtype) const {
  if (dtype == dtype_) return *this;
  S2S_CHECK(device_ == Device::CPU, "to_dtype is CPU-only");
  Tensor t = empty(shape_, dtype);
  auto convert = [&](auto* dst) {
    using D = std::remove_pointer_t<decltype(dst)>;
    switch (dtype_) {
      case DType::F32: { auto* s = data<float>(); for (int64_t i = 0; i < numel_; ++i) dst[i] = static_cast<D>(s[i]); break; }
      case DType::F64: { auto* s = data<double>(); for (int64_t i = 0; i < numel_; ++i) dst[i] = static_cast<D>(s[i]); break; }
      case DType::I32: { auto* s = data<std::int32_t>(); for (int64_t i = 0; i < numel_; ++i) dst[i] = static_cast<D>(s[i]); break; }
      case DType::I64: { auto* s = data<std::int64_t>(); for (int64_t i = 0; i < numel_; ++i) dst[i] = static_cast<D>(s[i]); break; }
    }
  };
  switch (dtype) {
    case DType::F32: convert(t.data<float>()); break;
    case DType::F64: convert(t.data<double>()); break;
    case DType::I32: convert(t.data<std::int32_t>()); break;
    case DType::I64: convert(t.data<std::int64_t>()); break;
  }
  return t;
}

void Tensor::fill_zero() {
  if (numel_ == 0) return;
  if (device_ == Device::CPU) std::memset(raw(), 0, nbytes());
  else device_allocator(device_)->fill_zero(raw(), nbytes());
}

void Tensor::fill(double value) {
  S2S_CHECK(device_ == Device::CPU, "fill(value) is CPU-only");
  switch (dtype_) {
    case DType::F32: std::fill_n(data<float>(), numel_, static_cast<float>(value)); break;
    case DType::F64: std::fill_n(data<double>(), numel_, value); break;
    case DType::I32: std::fill_n(data<std::int32_t>(), numel_, static_cast<std::int32_t>(value)); break;
    case DType::I64: std::fill_n(data<std::int64_t>(), numel_, static_cast<std::int64_t>(value)); break;
  }
}

void check_shape(const Tensor& t, const Shape& expected, const char* what) {
  S2S_CHECK(t.shape() == expected, what, ": expected shape ", shape_str(expected), ", got ",
            shape_str(t.shape()));
}
void check_dtype(const Tensor& t, DType expected, const char* what) {
  S2S_CHECK(t.dtype() == expected, what, ": expected dtype ", dtype_name(expected), ", got ",
            dtype_name(t.dtype()));
}

}  // namespace s2s
