// Parity of the CUDA fused GRU/LSTM cell steps with the float64 CPU kernels: batch x units from
// 1 x 1 to 65 x 1000 (past one grid-stride block), NaN-poisoned forward outputs, backward
// accumulation into random gradients, null gradient outputs / incoming gradients, guards around
// every operand, and argument validation.
#include <string>

#include "gpu/harness.h"
#include "s2s/kernels/rnn_cell.h"

namespace s2s::test {
namespace {

S2S_PARITY_COVERS("gru_gates_forward", "gru_gates_backward", "gru_output_forward", "gru_output_backward",
                  "lstm_cell_forward", "lstm_cell_backward");

struct Bn {
  std::int64_t b, n;
};
const Bn kSizes[] = {{1, 1}, {7, 33}, {33, 7}, {65, 1000}};

std::string shape(Bn s) { return std::to_string(s.b) + "x" + std::to_string(s.n); }

class RnnCellParity : public CudaTest {};

TEST_F(RnnCellParity, GruForwardAndBackward) {
  std::uint64_t seed = 1;
  for (const Bn s : kSizes) {
    const std::int64_t b = s.b, n = s.n;
    Rng rng(seed++);
    const auto zg = rng.uniform(b * 2 * n, -2, 2), h = rng.uniform(b * n, -1, 1), zc = rng.uniform(b * n, -2, 2);
    const auto drh = rng.uniform(b * n, -1, 1), dhn = rng.uniform(b * n, -1, 1);
    const auto dzg0 = rng.uniform(b * 2 * n, -1, 1), dzc0 = rng.uniform(b * n, -1, 1), dh0 = rng.uniform(b * n, -1, 1);
    // Forward: CUDA on the float inputs; reference in double on the same values.
    DeviceArray<float> d_zg(zg), d_h(h), d_zc(zc), d_drh(drh), d_dhn(dhn);
    auto ru = DeviceArray<float>::poisoned(b * 2 * n), rh = DeviceArray<float>::poisoned(b * n);
    auto c = DeviceArray<float>::poisoned(b * n), hn = DeviceArray<float>::poisoned(b * n);
    S2S_CUDA_OP(gru_gates_forward)(ru.ptr(), rh.ptr(), d_zg.ptr(), d_h.ptr(), b, n);
    S2S_CUDA_OP(gru_output_forward)(hn.ptr(), c.ptr(), d_zc.ptr(), ru.ptr(), d_h.ptr(), b, n);
    const auto zgd = to_double(zg), hd = to_double(h), zcd = to_double(zc);
    std::vector<double> w_ru(b * 2 * n), w_rh(b * n), w_c(b * n), w_hn(b * n);
    cpu::gru_gates_forward<double>(w_ru.data(), w_rh.data(), zgd.data(), hd.data(), b, n);
    cpu::gru_output_forward<double>(w_hn.data(), w_c.data(), zcd.data(), w_ru.data(), hd.data(), b, n);
    EXPECT_TRUE(near(ru.read(), w_ru, kFusedCell)) << "gru_gates_forward ru " << shape(s);
    EXPECT_TRUE(near(rh.read(), w_rh, kFusedCell)) << "gru_gates_forward rh " << shape(s);
    EXPECT_TRUE(near(c.read(), w_c, kFusedCell)) << "gru_output_forward c " << shape(s);
    EXPECT_TRUE(near(hn.read(), w_hn, kFusedCell)) << "gru_output_forward h_new " << shape(s);
    // Backward from the forward's own saved values (float on the device, the same floats in the
    // reference), accumulating into random gradients.
    const auto ru_f = ru.read(), c_f = c.read();
    const auto rud = to_double(ru_f), cd = to_double(c_f), drhd = to_double(drh), dhnd = to_double(dhn);
    DeviceArray<float> dzg(dzg0), dzc(dzc0), dh(dh0);
    S2S_CUDA_OP(gru_output_backward)(dzg.ptr(), dzc.ptr(), dh.ptr(), ru.ptr(), c.ptr(), d_h.ptr(), d_dhn.ptr(), b, n);
    S2S_CUDA_OP(gru_gates_backward)(dzg.ptr(), dh.ptr(), ru.ptr(), d_h.ptr(), d_drh.ptr(), b, n);
    auto w_dzg = to_double(dzg0), w_dzc = to_double(dzc0), w_dh = to_double(dh0);
    cpu::gru_output_backward<double>(w_dzg.data(), w_dzc.data(), w_dh.data(), rud.data(), cd.data(), hd.data(),
                                     dhnd.data(), b, n);
    cpu::gru_gates_backward<double>(w_dzg.data(), w_dh.data(), rud.data(), hd.data(), drhd.data(), b, n);
    EXPECT_TRUE(near(dzg.read(), w_dzg, kFusedCell)) << "gru backward dzg " << shape(s);
    EXPECT_TRUE(near(dzc.read(), w_dzc, kFusedCell)) << "gru backward dzc " << shape(s);
    EXPECT_TRUE(near(dh.read(), w_dh, kFusedCell)) << "gru backward dh " << shape(s);
    // Null outputs: only dzc is written.
    DeviceArray<float> dzc_only(dzc0);
    S2S_CUDA_OP(gru_output_backward)(nullptr, dzc_only.ptr(), nullptr, ru.ptr(), c.ptr(), d_h.ptr(), d_dhn.ptr(), b, n);
    auto w_only = to_double(dzc0);
    cpu::gru_output_backward<double>(nullptr, w_only.data(), nullptr, rud.data(), cd.data(), hd.data(), dhnd.data(), b,
                                     n);
    EXPECT_TRUE(near(dzc_only.read(), w_only, kFusedCell)) << "gru_output_backward dzc only " << shape(s);
    for (const auto* a : {&d_zg, &d_h, &d_zc, &d_drh, &d_dhn, &ru, &rh, &c, &hn, &dzg, &dzc, &dh, &dzc_only})
      EXPECT_TRUE(a->guards_intact("gru operand")) << shape(s);
  }
}

TEST_F(RnnCellParity, LstmForwardAndBackward) {
  std::uint64_t seed = 100;
  for (const Bn s : kSizes) {
    const std::int64_t b = s.b, n = s.n;
    const float fb = 1.0f;
    Rng rng(seed++);
    const auto z = rng.uniform(b * 4 * n, -2, 2), c = rng.uniform(b * n, -1, 1);
    const auto dh = rng.uniform(b * n, -1, 1), dcn = rng.uniform(b * n, -1, 1);
    const auto dz0 = rng.uniform(b * 4 * n, -1, 1), dc0 = rng.uniform(b * n, -1, 1);
    DeviceArray<float> d_z(z), d_c(c), d_dh(dh), d_dcn(dcn);
    auto cn = DeviceArray<float>::poisoned(b * n), hn = DeviceArray<float>::poisoned(b * n);
    auto acts = DeviceArray<float>::poisoned(b * 4 * n);
    S2S_CUDA_OP(lstm_cell_forward)(cn.ptr(), hn.ptr(), acts.ptr(), d_z.ptr(), d_c.ptr(), fb, b, n);
    const auto zd = to_double(z), cd = to_double(c);
    std::vector<double> w_cn(b * n), w_hn(b * n), w_acts(b * 4 * n);
    cpu::lstm_cell_forward<double>(w_cn.data(), w_hn.data(), w_acts.data(), zd.data(), cd.data(), fb, b, n);
    EXPECT_TRUE(near(cn.read(), w_cn, kFusedCell)) << "lstm_cell_forward c_new " << shape(s);
    EXPECT_TRUE(near(hn.read(), w_hn, kFusedCell)) << "lstm_cell_forward h_new " << shape(s);
    EXPECT_TRUE(near(acts.read(), w_acts, kFusedCell)) << "lstm_cell_forward acts " << shape(s);
    const auto actsd = to_double(acts.read()), cnd = to_double(cn.read()), dhd = to_double(dh), dcnd = to_double(dcn);
    // Both incoming gradients, then h' only (dc_new null), each into random dz / dc.
    for (bool with_dc : {true, false}) {
      DeviceArray<float> dz(dz0), dc(dc0);
      S2S_CUDA_OP(lstm_cell_backward)(dz.ptr(), dc.ptr(), acts.ptr(), d_c.ptr(), cn.ptr(), d_dh.ptr(),
                                      with_dc ? d_dcn.ptr() : nullptr, b, n);
      auto w_dz = to_double(dz0), w_dc = to_double(dc0);
      cpu::lstm_cell_backward<double>(w_dz.data(), w_dc.data(), actsd.data(), cd.data(), cnd.data(), dhd.data(),
                                      with_dc ? dcnd.data() : nullptr, b, n);
      EXPECT_TRUE(near(dz.read(), w_dz, kFusedCell)) << "lstm_cell_backward dz " << shape(s) << " dc_new " << with_dc;
      EXPECT_TRUE(near(dc.read(), w_dc, kFusedCell)) << "lstm_cell_backward dc " << shape(s) << " dc_new " << with_dc;
      EXPECT_TRUE(dz.guards_intact("dz") && dc.guards_intact("dc")) << shape(s);
    }
    for (const auto* a : {&d_z, &d_c, &d_dh, &d_dcn, &cn, &hn, &acts})
      EXPECT_TRUE(a->guards_intact("lstm operand")) << shape(s);
  }
}

TEST_F(RnnCellParity, EmptyIsANoOpAndBadArgumentsThrow) {
  S2S_CUDA_OP(gru_gates_forward)(nullptr, nullptr, nullptr, nullptr, 0, 5);
  S2S_CUDA_OP(lstm_cell_backward)(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 3, 0);
  DeviceArray<float> x(std::vector<float>(16, 0.5f));
  EXPECT_THROW(S2S_CUDA_OP(gru_gates_forward)(x.ptr(), x.ptr(), x.ptr(), x.ptr(), -1, 2), Error);
  EXPECT_THROW(S2S_CUDA_OP(gru_output_forward)(x.ptr(), nullptr, x.ptr(), x.ptr(), x.ptr(), 2, 2), Error);
  EXPECT_THROW(S2S_CUDA_OP(lstm_cell_forward)(x.ptr(), x.ptr(), x.ptr(), nullptr, x.ptr(), 1.0f, 2, 2), Error);
}

}  // namespace
}  // namespace s2s::test
