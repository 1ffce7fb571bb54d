// Owns: Tensor-level dispatch of the mask family (kern::padding_mask; kernels/mask.h).
#include "dispatch.h"
#include "s2s/kernels/mask.h"

namespace s2s::kern {

using namespace detail;

void padding_mask(Tensor& mask, std::int64_t position, const Tensor& ids, std::int32_t pad_id) {
  S2S_CHECK(mask.defined() && mask.ndim() == 2, "padding_mask: needs a 2-D [B, L] mask, got ",
            mask.defined() ? shape_str(mask.shape()) : std::string("an undefined tensor"));
  check_ids("padding_mask", ids, mask);
  const std::int64_t batch = mask.dim(0), length = mask.dim(1);
  S2S_CHECK(ids.numel() == batch, "padding_mask: ", ids.numel(), " ids for a mask of ", batch, " rows");
  S2S_CHECK(position >= 0 && position < length, "padding_mask: position ", position, " outside [0, ", length, ")");
  dispatch("padding_mask", mask,
      [&](auto t) { using T = decltype(t); cpu::padding_mask<T>(ptr<T>(mask), iptr(ids), batch, length, position, pad_id); },
      [&] { cuda::padding_mask(fptr(mask), iptr(ids), batch, length, position, pad_id); });
}

}  // namespace s2s::kern
