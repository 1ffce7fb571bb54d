// Owns: tests of the fused GRU/LSTM cell kernels (kernels/rnn_cell.h via kern::): forward values
// against the spec formulas (§1.2, §1.3) in long double, bitwise equality with the unfused
// composition of the elementwise kernels (the claim of rnn_cell.h), backward rules against their
// long-double formulas (accumulating into random gradients; null outputs skipped), and shape
// errors. The gradients are also checked by finite differences in autograd/test_rnn_ops_gradcheck.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "s2s/kernels/tensor_ops.h"
#include "support/compare.h"
#include "support/random.h"
#include "support/tolerances.h"

namespace s2s::test {
namespace {

using LD = long double;
LD sig(LD v) { return 1.0L / (1.0L + std::exp(-v)); }
double unit(DType dt) { return dt == DType::F32 ? tol::kU32 : tol::kU64; }

TEST(RnnCellKernels, GruForwardMatchesSpec) {
  for (DType dt : {DType::F32, DType::F64}) {
    const std::int64_t b = 7, n = 5;
    Tensor zg = random_tensor({b, 2 * n}, dt, 1, -2, 2), h = random_tensor({b, n}, dt, 2),
           zc = random_tensor({b, n}, dt, 3, -2, 2);
    Tensor ru = Tensor::empty({b, 2 * n}, dt), rh = Tensor::empty({b, n}, dt), c = Tensor::empty({b, n}, dt),
           h_new = Tensor::empty({b, n}, dt);
    kern::gru_gates_forward(ru, rh, zg, h);
    kern::gru_output_forward(h_new, c, zc, ru, h);
    const auto z = to_doubles(zg), hv = to_doubles(h), zcv = to_doubles(zc);
    std::vector<double> want_ru(z.size()), want_rh(hv.size()), want_c(hv.size()), want_h(hv.size());
    for (std::size_t i = 0; i < z.size(); ++i) want_ru[i] = double(sig(z[i]));
    for (std::int64_t r = 0; r < b; ++r)
      for (std::int64_t j = 0; j < n; ++j) {
        const std::size_t k = r * n + j;
        const LD rr = sig(z[r * 2 * n + j]), u = sig(z[r * 2 * n + n + j]), cc = std::tanh(LD(zcv[k]));
        want_rh[k] = double(rr * hv[k]);
        want_c[k] = double(cc);
        want_h[k] = double(u * hv[k] + (1 - u) * cc);
      }
    const double tol = tol::fused_cell_abs_tol(unit(dt));
    EXPECT_TRUE(tensor_matches(ru, want_ru, tol, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(rh, want_rh, tol, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(c, want_c, tol, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(h_new, want_h, tol, 0)) << dtype_name(dt);
  }
}

// The fused forward performs the unfused graph's operations in its order (rnn_cell.h).
TEST(RnnCellKernels, GruForwardEqualsUnfusedKernelsBitwise) {
  const std::int64_t b = 3, n = 4;
  const DType dt = DType::F32;
  Tensor zg = random_tensor({b, 2 * n}, dt, 11, -3, 3), h = random_tensor({b, n}, dt, 12),
         zc = random_tensor({b, n}, dt, 13, -3, 3);
  Tensor ru = Tensor::empty({b, 2 * n}, dt), rh = Tensor::empty({b, n}, dt), c = Tensor::empty({b, n}, dt),
         h_new = Tensor::empty({b, n}, dt);
  kern::gru_gates_forward(ru, rh, zg, h);
  kern::gru_output_forward(h_new, c, zc, ru, h);
  // Unfused: σ, column slices, r ⊙ h, tanh, u ⊙ h + (−u + 1) ⊙ c (nn's one_minus).
  Tensor s = Tensor::empty({b, 2 * n}, dt), r = Tensor::empty({b, n}, dt), u = Tensor::empty({b, n}, dt);
  kern::activation_forward(kern::Activation::Sigmoid, s, zg);
  kern::copy_columns(r, 0, s, 0, n, false);
  kern::copy_columns(u, 0, s, n, n, false);
  Tensor rh2 = Tensor::empty({b, n}, dt), c2 = Tensor::empty({b, n}, dt), uh = Tensor::empty({b, n}, dt),
         omu = Tensor::empty({b, n}, dt), omuc = Tensor::empty({b, n}, dt), h2 = Tensor::empty({b, n}, dt);
  kern::mul(rh2, r, h);
  kern::activation_forward(kern::Activation::Tanh, c2, zc);
  kern::mul(uh, u, h);
  kern::scale(omu, u, -1.0);
  kern::add_row_vector(omu, omu, Tensor::full({n}, dt, 1.0));
  kern::mul(omuc, omu, c2);
  kern::add(h2, uh, omuc);
  EXPECT_EQ(ru.to_vector<float>(), s.to_vector<float>());
  EXPECT_EQ(rh.to_vector<float>(), rh2.to_vector<float>());
  EXPECT_EQ(h_new.to_vector<float>(), h2.to_vector<float>());
}

TEST(RnnCellKernels, GruBackwardMatchesFormulasAndAccumulates) {
  for (DType dt : {DType::F32, DType::F64}) {
    const std::int64_t b = 5, n = 3;
    Tensor zg = random_tensor({b, 2 * n}, dt, 21, -2, 2), h = random_tensor({b, n}, dt, 22),
           zc = random_tensor({b, n}, dt, 23, -2, 2), drh = random_tensor({b, n}, dt, 24),
           dhn = random_tensor({b, n}, dt, 25);
    Tensor ru = Tensor::empty({b, 2 * n}, dt), rh = Tensor::empty({b, n}, dt), c = Tensor::empty({b, n}, dt),
           h_new = Tensor::empty({b, n}, dt);
    kern::gru_gates_forward(ru, rh, zg, h);
    kern::gru_output_forward(h_new, c, zc, ru, h);
    Tensor dzg = random_tensor({b, 2 * n}, dt, 26), dzc = random_tensor({b, n}, dt, 27), dh = random_tensor({b, n}, dt, 28);
    auto want_dzg = to_doubles(dzg), want_dzc = to_doubles(dzc), want_dh = to_doubles(dh);
    kern::gru_output_backward(&dzg, &dzc, &dh, ru, c, h, dhn);
    kern::gru_gates_backward(&dzg, &dh, ru, h, drh);
    const auto z = to_doubles(zg), hv = to_doubles(h), zcv = to_doubles(zc), g1 = to_doubles(drh), g2 = to_doubles(dhn);
    for (std::int64_t r = 0; r < b; ++r)
      for (std::int64_t j = 0; j < n; ++j) {
        const std::size_t k = r * n + j, kr = r * 2 * n + j, ku = kr + n;
        const LD rr = sig(z[kr]), u = sig(z[ku]), cc = std::tanh(LD(zcv[k]));
        want_dzg[kr] += double(g1[k] * hv[k] * rr * (1 - rr));
        want_dzg[ku] += double(g2[k] * (hv[k] - cc) * u * (1 - u));
        want_dzc[k] += double(g2[k] * (1 - u) * (1 - cc * cc));
        want_dh[k] += double(g1[k] * rr + g2[k] * u);
      }
    const double tol = tol::fused_cell_abs_tol(unit(dt));
    EXPECT_TRUE(tensor_matches(dzg, want_dzg, tol, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(dzc, want_dzc, tol, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(dh, want_dh, tol, 0)) << dtype_name(dt);
    // Null outputs are skipped; the others still get their share.
    Tensor dzc2 = Tensor::zeros({b, n}, dt);
    kern::gru_output_backward(nullptr, &dzc2, nullptr, ru, c, h, dhn);
    std::vector<double> only_dzc(b * n);
    for (std::int64_t k = 0; k < b * n; ++k) {
      const LD u = sig(z[(k / n) * 2 * n + n + k % n]), cc = std::tanh(LD(zcv[k]));
      only_dzc[k] = double(g2[k] * (1 - u) * (1 - cc * cc));
    }
    EXPECT_TRUE(tensor_matches(dzc2, only_dzc, tol, 0)) << dtype_name(dt);
  }
}

struct LstmRef {
  std::vector<double> c_new, h_new, dz, dc;
};
// The spec formulas (§1.3) and their derivatives in long double; dz/dc start from dz0/dc0.
LstmRef lstm_reference(const std::vector<double>& z, const std::vector<double>& c, double fb,
                       const std::vector<double>& dh, const std::vector<double>& dcn, std::vector<double> dz0,
                       std::vector<double> dc0, std::int64_t b, std::int64_t n) {
  LstmRef out{std::vector<double>(b * n), std::vector<double>(b * n), std::move(dz0), std::move(dc0)};
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t j = 0; j < n; ++j) {
      const std::size_t k = r * n + j, g = r * 4 * n + j;
      const LD si = sig(z[g]), tj = std::tanh(LD(z[g + n])), sf = sig(LD(z[g + 2 * n]) + fb), so = sig(z[g + 3 * n]);
      const LD cn = c[k] * sf + si * tj, tc = std::tanh(cn);
      out.c_new[k] = double(cn);
      out.h_new[k] = double(tc * so);
      const LD dct = dcn[k] + dh[k] * so * (1 - tc * tc);
      out.dz[g] += double(dct * tj * si * (1 - si));
      out.dz[g + n] += double(dct * si * (1 - tj * tj));
      out.dz[g + 2 * n] += double(dct * c[k] * sf * (1 - sf));
      out.dz[g + 3 * n] += double(dh[k] * tc * so * (1 - so));
      out.dc[k] += double(dct * sf);
    }
  return out;
}

TEST(RnnCellKernels, LstmForwardBackwardMatchSpec) {
  for (DType dt : {DType::F32, DType::F64}) {
    const std::int64_t b = 7, n = 3;
    const double fb = 0.5;
    Tensor z = random_tensor({b, 4 * n}, dt, 31, -2, 2), c = random_tensor({b, n}, dt, 32),
           dh = random_tensor({b, n}, dt, 33), dcn = random_tensor({b, n}, dt, 34);
    Tensor c_new = Tensor::empty({b, n}, dt), h_new = Tensor::empty({b, n}, dt), acts = Tensor::empty({b, 4 * n}, dt);
    kern::lstm_cell_forward(c_new, h_new, acts, z, c, fb);
    Tensor dz = random_tensor({b, 4 * n}, dt, 35), dc = random_tensor({b, n}, dt, 36);
    const LstmRef want = lstm_reference(to_doubles(z), to_doubles(c), fb, to_doubles(dh), to_doubles(dcn),
                                        to_doubles(dz), to_doubles(dc), b, n);
    kern::lstm_cell_backward(&dz, &dc, acts, c, c_new, &dh, &dcn);
    const double tol = tol::fused_cell_abs_tol(unit(dt));
    EXPECT_TRUE(tensor_matches(c_new, want.c_new, tol, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(h_new, want.h_new, tol, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(dz, want.dz, tol, 0)) << dtype_name(dt);
    EXPECT_TRUE(tensor_matches(dc, want.dc, tol, 0)) << dtype_name(dt);
    // A null incoming gradient counts as zero.
    Tensor dz_h = Tensor::zeros({b, 4 * n}, dt);
    const std::vector<double> zeros(b * n, 0.0);
    const LstmRef only_h = lstm_reference(to_doubles(z), to_doubles(c), fb, to_doubles(dh), zeros,
                                          std::vector<double>(b * 4 * n, 0.0), zeros, b, n);
    kern::lstm_cell_backward(&dz_h, nullptr, acts, c, c_new, &dh, nullptr);
    EXPECT_TRUE(tensor_matches(dz_h, only_h.dz, tol, 0)) << dtype_name(dt);
  }
}

TEST(RnnCellKernels, LstmForwardEqualsUnfusedKernelsBitwise) {
  const std::int64_t b = 2, n = 5;
  const DType dt = DType::F32;
  Tensor z = random_tensor({b, 4 * n}, dt, 41, -3, 3), c = random_tensor({b, n}, dt, 42);
  Tensor c_new = Tensor::empty({b, n}, dt), h_new = Tensor::empty({b, n}, dt), acts = Tensor::empty({b, 4 * n}, dt);
  kern::lstm_cell_forward(c_new, h_new, acts, z, c, 1.0);
  std::vector<Tensor> g;
  for (int k = 0; k < 4; ++k) {
    g.push_back(Tensor::empty({b, n}, dt));
    kern::copy_columns(g.back(), 0, z, k * n, n, false);
  }
  auto act = [&](kern::Activation f, const Tensor& x) {
    Tensor y = Tensor::empty(x.shape(), dt);
    kern::activation_forward(f, y, x);
    return y;
  };
  auto mul = [&](const Tensor& p, const Tensor& q) {
    Tensor y = Tensor::empty(p.shape(), dt);
    kern::mul(y, p, q);
    return y;
  };
  Tensor f1 = Tensor::empty({b, n}, dt), c2 = Tensor::empty({b, n}, dt);
  kern::add_row_vector(f1, g[2], Tensor::full({n}, dt, 1.0));
  kern::add(c2, mul(c, act(kern::Activation::Sigmoid, f1)),
            mul(act(kern::Activation::Sigmoid, g[0]), act(kern::Activation::Tanh, g[1])));
  Tensor h2 = mul(act(kern::Activation::Tanh, c2), act(kern::Activation::Sigmoid, g[3]));
  EXPECT_EQ(c_new.to_vector<float>(), c2.to_vector<float>());
  EXPECT_EQ(h_new.to_vector<float>(), h2.to_vector<float>());
}

TEST(RnnCellKernels, ShapeErrorsNameTheOperand) {
  Tensor h = Tensor::zeros({2, 3}, DType::F32), zg = Tensor::zeros({2, 5}, DType::F32);
  Tensor ru = Tensor::empty({2, 6}, DType::F32), rh = Tensor::empty({2, 3}, DType::F32);
  EXPECT_THROW(kern::gru_gates_forward(ru, rh, zg, h), Error);
  Tensor z = Tensor::zeros({2, 12}, DType::F64), c = Tensor::zeros({2, 3}, DType::F32);
  Tensor cn = Tensor::empty({2, 3}, DType::F32), hn = Tensor::empty({2, 3}, DType::F32),
         acts = Tensor::empty({2, 12}, DType::F32);
  EXPECT_THROW(kern::lstm_cell_forward(cn, hn, acts, z, c, 1.0), Error);  // dtype mismatch
}

TEST(RnnCellKernels, EmptyBatchIsANoOp) {
  Tensor h = Tensor::zeros({0, 3}, DType::F32), zg = Tensor::zeros({0, 6}, DType::F32);
  Tensor ru = Tensor::empty({0, 6}, DType::F32), rh = Tensor::empty({0, 3}, DType::F32);
  kern::gru_gates_forward(ru, rh, zg, h);
  EXPECT_EQ(rh.numel(), 0);
}

}  // namespace
}  // namespace s2s::test
