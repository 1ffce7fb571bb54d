// Owns: Tensor-level dispatch of the dropout family (kern::dropout_mask; kernels/dropout.h).
#include "dispatch.h"
#include "s2s/kernels/dropout.h"

namespace s2s::kern {

using namespace detail;

void dropout_mask(Tensor& mask, const Tensor& base, std::uint64_t offset, std::uint64_t seed, std::uint64_t which,
                  double keep, bool variational) {
  S2S_CHECK(mask.defined() && mask.ndim() == 2, "dropout_mask: needs a 2-D [B, n] mask, got ",
            mask.defined() ? shape_str(mask.shape()) : std::string("an undefined tensor"));
  S2S_CHECK(keep >= 0.0 && keep <= 1.0, "dropout_mask: keep must be between 0 and 1: ", keep);
  S2S_CHECK(which < kDropoutTensorsPerCall, "dropout_mask: tensor index ", which, " must be below ",
            kDropoutTensorsPerCall);
  S2S_CHECK(base.defined() && base.dtype() == DType::I64 && base.numel() == 1,
            "dropout_mask: the counter base must be one int64, got ",
            base.defined() ? std::string(dtype_name(base.dtype())) + " " + shape_str(base.shape())
                           : std::string("an undefined tensor"));
  // A host counter handed to a device kernel would be dereferenced on the device (and vice versa).
  S2S_CHECK(base.device() == mask.device(), "dropout_mask: counter base on ", device_name(base.device()),
            ", mask on ", device_name(mask.device()));
  const std::int64_t rows = mask.dim(0), cols = mask.dim(1);
  const std::int64_t* b = base.data<std::int64_t>();
  dispatch("dropout_mask", mask,
      [&](auto t) {
        using T = decltype(t);
        cpu::dropout_mask<T>(ptr<T>(mask), b, offset, seed, which, keep, rows, cols, variational);
      },
      [&] { cuda::dropout_mask(fptr(mask), b, offset, seed, which, keep, rows, cols, variational); });
}

}  // namespace s2s::kern
