// Owns: Tensor-level dispatch of the reductions that write device memory (sum_to,
// global_sum_squares; tensor_ops.h). The host-result reductions (sum, sum_squares) stay in
// tensor_ops.cpp.
#include <vector>

#include "dispatch.h"
#include "s2s/kernels/reduce.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::kern {

using namespace detail;

void sum_to(Tensor& out, const Tensor& x) {
  check_same("sum_to", out, {&x});
  S2S_CHECK(out.numel() == 1, "sum_to: the output must hold one element, got ", shape_str(out.shape()));
  dispatch("sum_to", x,
      [&](auto t) { using T = decltype(t); *ptr<T>(out) = static_cast<T>(cpu::sum<T>(ptr<T>(x), x.numel())); },
      [&] { cuda::sum(fptr(out), fptr(x), x.numel()); });
}

namespace {
// The arrays of a global_sum_squares call: pointers and sizes, checked against `ref`.
template <class T>
void collect(std::span<const Tensor> xs, const Tensor& ref, std::vector<const T*>& ptrs, std::vector<std::int64_t>& ns) {
  for (const Tensor& x : xs) {
    check_same("global_sum_squares", ref, {&x});
    ptrs.push_back(x.numel() > 0 ? ptr<T>(x) : nullptr);
    ns.push_back(x.numel());
  }
}
}  // namespace

void global_sum_squares(Tensor& out, std::span<const Tensor> xs) {
  S2S_CHECK(out.defined() && out.numel() == 1, "global_sum_squares: the output must hold one element");
  const auto count = static_cast<std::int64_t>(xs.size());
  dispatch("global_sum_squares", out,
      [&](auto t) {
        using T = decltype(t);
        std::vector<const T*> ptrs;
        std::vector<std::int64_t> ns;
        collect<T>(xs, out, ptrs, ns);
        *ptr<T>(out) = static_cast<T>(cpu::global_sum_squares<T>(ptrs.data(), ns.data(), count));
      },
      [&] {
        std::vector<const float*> ptrs;
        std::vector<std::int64_t> ns;
        collect<float>(xs, out, ptrs, ns);
        cuda::global_sum_squares(fptr(out), ptrs.data(), ns.data(), count);
      });
}

double global_sum_squares(std::span<const Tensor> xs) {
  if (xs.empty()) return 0.0;
  const Tensor& ref = xs.front();
  if (ref.device() == Device::CPU) {
    double result = 0;
    dispatch("global_sum_squares", ref,
        [&](auto t) {
          using T = decltype(t);
          std::vector<const T*> ptrs;
          std::vector<std::int64_t> ns;
          collect<T>(xs, ref, ptrs, ns);
          result = cpu::global_sum_squares<T>(ptrs.data(), ns.data(), static_cast<std::int64_t>(xs.size()));
        },
        [] {});
    return result;
  }
  Tensor out = Tensor::empty({1}, ref.dtype(), ref.device());
  global_sum_squares(out, xs);
  return out.item();
}

}  // namespace s2s::kern
