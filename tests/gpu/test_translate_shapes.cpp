// Owns: the CUDA twins at the translate model's sizes (V = 40000, B = 128, H = 1024, B·T = 6400
// ids of a 50-step bucket), i.e. the launch geometry the parity tests' small shapes never reach:
// 1024-thread row blocks over 40000 columns, 1250-block transposes, a long group of repeated (PAD)
// ids in the scatter-add, and flat kernels past the grid cap of launch.cuh (kMaxGrid blocks of
// kBlock threads), whose grid-stride loops must still reach every element.
// References: the float64 CPU kernels, the float CPU kernel where the CUDA one is specified bit
// for bit (scatter-add, transpose), or exact values (fills, gathers).
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "gpu/harness.h"
#include "s2s/kernels/arith.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/elementwise.h"
#include "s2s/kernels/embedding.h"
#include "s2s/kernels/fill.h"
#include "s2s/kernels/reduce.h"
#include "s2s/kernels/softmax.h"

namespace s2s::test {
namespace {

constexpr std::int64_t kVocab = 40000, kBatch = 128, kHidden = 1024, kIds = kBatch * 50;

class TranslateShapes : public CudaTest {};

// Past the cap: launch.cuh's kMaxGrid (65535 * 32 blocks) of kBlock (256) threads.
TEST_F(TranslateShapes, FlatKernelsReachEveryElementPastTheGridCap) {
  constexpr std::int64_t kGridCapElements = 65535LL * 32 * 256;
  const std::int64_t n = kGridCapElements + 4099;  // ~2 GiB per array
  {
    Tensor x = Tensor::empty({n}, DType::F32, Device::CUDA), y = Tensor::empty({n}, DType::F32, Device::CUDA);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    S2S_CUDA_OP(fill)(x.data<float>(), nan, n);
    S2S_CUDA_OP(fill)(x.data<float>(), 1.0f, n);  // fill_kernel: an element it misses stays NaN
    S2S_CUDA_OP(fill)(y.data<float>(), nan, n);
    S2S_CUDA_OP(scale)(y.data<float>(), x.data<float>(), 3.0f, n);  // map_kernel
    Tensor sums = Tensor::empty({2}, DType::F32, Device::CUDA);
    S2S_CUDA_OP(sum)(sums.data<float>(), x.data<float>(), n);
    S2S_CUDA_OP(sum)(sums.data<float>() + 1, y.data<float>(), n);
    // The double sums of small integers are exact, rounded once to float; a NaN left anywhere
    // makes them NaN.
    const auto got = sums.to_vector<float>();
    EXPECT_EQ(got[0], static_cast<float>(double(n)));
    EXPECT_EQ(got[1], static_cast<float>(3.0 * double(n)));
    const std::pair<std::int64_t, std::int64_t> ranges[] = {{kGridCapElements - 300, kGridCapElements + 300},
                                                            {n - 300, n}};
    for (const auto& [begin, end] : ranges) {
      const auto part = y.rows(begin, end).to_vector<float>();
      EXPECT_TRUE(bitwise_equal(part, std::vector<float>(part.size(), 3.0f))) << "y[" << begin << ", " << end << ")";
    }
  }
  cuda::empty_cache();  // the 4 GiB go back to the driver, not to later tests' statistics
}

// Softmax rows of 40000 columns take 1024 threads, 40 terms each before the 10-level tree, so the
// row sum s has relative error <= gamma(49) + 10u (each term: expf 2 ulp, and the rounded
// argument x - m with |x - m| <= 8: 8u); tolerances.h's kSoftmax assumes at most 5000 columns.
// Softmax: <= (59 + 10 + 1) u = 70u relative. Log-softmax and the loss: log s <= ln 40000 < 10.6
// and |lse|, |y| < 19, so <= 59u (s) + 21u (logf) + 15u + 19u (two roundings) < 115u = 6.9e-6
// absolute; the cross-entropy gradient: p = exp(x - lse) <= 1 carries <= 115u + 19u + 2u relative,
// plus <= 12u from the two adds into dx (|dx| <= 3): < 150u = 8.9e-6 absolute. Tolerance: abs
// 2e-5 (2.2x), rel 160u (2.3x).
constexpr Tol kVocabSoftmax{2e-5, 160 * kU};

TEST_F(TranslateShapes, SoftmaxFamilyOverTheVocabulary) {
  const std::int64_t r = kBatch, c = kVocab;
  Rng rng(11);
  const auto x = rng.uniform(r * c, -4, 4), dloss = rng.uniform(r, -1, 1), dx0 = rng.uniform(r * c, -1, 1);
  auto labels = rng.ints(r, 0, static_cast<std::int32_t>(c));
  labels[0] = 0;                                   // first and last columns as labels
  labels[1] = static_cast<std::int32_t>(c - 1);
  const auto xd = to_double(x), dld = to_double(dloss);
  DeviceArray<float> d_x(x), d_dl(dloss), y = DeviceArray<float>::poisoned(r * c),
                     ly = DeviceArray<float>::poisoned(r * c), loss = DeviceArray<float>::poisoned(r), dx(dx0);
  DeviceArray<std::int32_t> d_lab(labels);
  S2S_CUDA_OP(softmax_rows)(y.ptr(), d_x.ptr(), r, c);
  S2S_CUDA_OP(log_softmax_rows)(ly.ptr(), d_x.ptr(), r, c);
  S2S_CUDA_OP(softmax_xent_forward)(loss.ptr(), d_x.ptr(), d_lab.ptr(), r, c);
  S2S_CUDA_OP(softmax_xent_backward)(dx.ptr(), d_x.ptr(), d_lab.ptr(), d_dl.ptr(), r, c);
  std::vector<double> want_y(r * c), want_ly(r * c), want_loss(r), want_dx = to_double(dx0);
  cpu::softmax_rows<double>(want_y.data(), xd.data(), r, c);
  cpu::log_softmax_rows<double>(want_ly.data(), xd.data(), r, c);
  cpu::softmax_xent_forward<double>(want_loss.data(), xd.data(), labels.data(), r, c);
  cpu::softmax_xent_backward<double>(want_dx.data(), xd.data(), labels.data(), dld.data(), r, c);
  EXPECT_TRUE(near(y.read(), want_y, kVocabSoftmax)) << "softmax_rows";
  EXPECT_TRUE(near(ly.read(), want_ly, kVocabSoftmax)) << "log_softmax_rows";
  EXPECT_TRUE(near(loss.read(), want_loss, kVocabSoftmax)) << "softmax_xent_forward";
  EXPECT_TRUE(near(dx.read(), want_dx, kVocabSoftmax)) << "softmax_xent_backward";
  for (const auto* a : {&y, &ly, &loss, &dx}) EXPECT_TRUE(a->guards_intact("output"));
}

// Greedy decoding's argmax over the vocabulary: quantised values (many ties), and rows whose
// maximum appears only at the far end or at both ends.
TEST_F(TranslateShapes, ArgmaxOverTheVocabulary) {
  const std::int64_t r = kBatch, c = kVocab;
  auto x = Rng(12).uniform(r * c, -1, 1);
  for (auto& v : x) v = std::round(v * 8) / 8;
  for (std::int64_t i = 0; i < r; i += 3) x[i * c + c - 1] = 2.0f;  // only at the last column
  for (std::int64_t i = 1; i < r; i += 3) x[i * c] = x[i * c + c - 1] = 2.0f;  // both ends: 0 wins
  DeviceArray<float> dx(x);
  DeviceArray<std::int32_t> idx = DeviceArray<std::int32_t>::poisoned(r);
  S2S_CUDA_OP(argmax_rows)(idx.ptr(), dx.ptr(), r, c);
  std::vector<std::int32_t> want(r);
  const auto xd = to_double(x);
  cpu::argmax_rows<double>(want.data(), xd.data(), r, c);
  EXPECT_TRUE(ints_equal(idx.read(), want));
  EXPECT_TRUE(idx.guards_intact("idx"));
}

// The output bias gradient: column sums of [B, V] (write and accumulate); bound per column
// 2 gamma(ceil(rows / 8) + 9) (|y0| + Σ|x|) (tolerances.h).
TEST_F(TranslateShapes, BiasGradientOverTheVocabulary) {
  const std::int64_t rows = kBatch, cols = kVocab;
  Rng rng(13);
  const auto x = rng.uniform(rows * cols, -1, 1), y0 = rng.uniform(cols, -1, 1);
  const auto xd = to_double(x), xa = abs_of(xd);
  for (bool accumulate : {false, true}) {
    DeviceArray<float> dx(x), y = accumulate ? DeviceArray<float>(y0) : DeviceArray<float>::poisoned(cols);
    S2S_CUDA_OP(sum_rows)(y.ptr(), dx.ptr(), rows, cols, accumulate);
    std::vector<double> want = accumulate ? to_double(y0) : std::vector<double>(cols, 0.0);
    std::vector<double> mass = accumulate ? abs_of(to_double(y0)) : std::vector<double>(cols, 0.0);
    cpu::sum_rows<double>(want.data(), xd.data(), rows, cols, true);
    cpu::sum_rows<double>(mass.data(), xa.data(), rows, cols, true);
    std::vector<double> bound(cols);
    for (std::int64_t i = 0; i < cols; ++i) bound[i] = 2 * gamma(double((rows + 7) / 8 + 9)) * mass[i];
    EXPECT_TRUE(near_bound(y.read(), want, bound)) << (accumulate ? "accumulate" : "write");
    EXPECT_TRUE(y.guards_intact("y"));
  }
}

// The output projection's [V, H] weights transposed (sampled softmax from an output_projection
// pair) and the gradient transposed back with accumulation: the float CPU loop's values exactly.
TEST_F(TranslateShapes, TransposeOfTheOutputProjection) {
  const std::int64_t rows = kVocab, cols = kHidden;
  Rng rng(14);
  const auto x = rng.uniform(rows * cols, -1, 1), y0 = rng.uniform(rows * cols, -1, 1);
  DeviceArray<float> dx(x);
  for (bool accumulate : {false, true}) {
    DeviceArray<float> y = accumulate ? DeviceArray<float>(y0) : DeviceArray<float>::poisoned(rows * cols);
    S2S_CUDA_OP(transpose)(y.ptr(), dx.ptr(), rows, cols, accumulate);
    std::vector<float> want = y0;
    cpu::transpose<float>(want.data(), x.data(), rows, cols, accumulate);
    EXPECT_TRUE(bitwise_equal(y.read(), want)) << (accumulate ? "accumulate" : "write");
    EXPECT_TRUE(y.guards_intact("y"));
  }
}

// A bucket's decoder ids: about half PAD (one group of ~3200 equal ids in the sorted scatter),
// the rest spread over the vocabulary. Gather exact, scatter-add bit for bit the float CPU loop.
TEST_F(TranslateShapes, EmbeddingOfABucketsIds) {
  const std::int64_t n = kIds, rows = kVocab, dim = kHidden;
  Rng rng(15);
  auto ids = rng.ints(n, 0, static_cast<std::int32_t>(rows));
  const auto coin = rng.ints(n, 0, 2);
  for (std::int64_t i = 0; i < n; ++i)
    if (coin[i] == 0) ids[i] = 0;
  ids[n - 1] = static_cast<std::int32_t>(rows - 1);
  const auto table = rng.uniform(rows * dim, -1, 1), dout = rng.uniform(n * dim, -1, 1);
  DeviceArray<float> d_table(table), out = DeviceArray<float>::poisoned(n * dim), d_dout(dout);
  DeviceArray<std::int32_t> d_ids(ids);
  S2S_CUDA_OP(embedding_gather)(out.ptr(), d_table.ptr(), d_ids.ptr(), n, rows, dim);
  std::vector<float> want_out(n * dim);
  cpu::embedding_gather<float>(want_out.data(), table.data(), ids.data(), n, rows, dim);
  EXPECT_TRUE(bitwise_equal(out.read(), want_out)) << "embedding_gather";
  EXPECT_TRUE(out.guards_intact("out"));

  DeviceArray<float> dtable(table);  // the table's values stand in for an accumulated gradient
  S2S_CUDA_OP(embedding_scatter_add)(dtable.ptr(), d_dout.ptr(), d_ids.ptr(), n, rows, dim);
  std::vector<float> want = table;
  cpu::embedding_scatter_add<float>(want.data(), dout.data(), ids.data(), n, rows, dim);
  EXPECT_TRUE(bitwise_equal(dtable.read(), want)) << "embedding_scatter_add";
  EXPECT_TRUE(dtable.guards_intact("dtable"));
}

}  // namespace
}  // namespace s2s::test
