// The sampled-softmax loss with proj_w in row-sparse mode (autograd/var.h): its gradient is the
// rows of the true labels and the sampled candidates only, equal bit for bit to the dense
// gradient's rows from the same loss on a dense proj_w.
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "s2s/autograd/ops.h"
#include "s2s/nn/sampled_softmax.h"
#include "support/random.h"

using namespace s2s;

TEST(SparseSampledSoftmax, ProjectionRowsEqualDenseGradientBitwise) {
  const std::int64_t V = 50, d = 4, B = 6;
  const std::vector<std::int32_t> labels_v{3, 9, 3, 40, 0, 9};
  const Tensor labels = Tensor::from_vector({B, 1}, labels_v);
  const std::vector<std::int32_t> sampled_v{0, 7, 9, 21, 33};
  nn::SampledValues sv{Tensor::from_vector({5}, sampled_v), Tensor::full({B, 1}, DType::F32, 0.1),
                       Tensor::full({5}, DType::F32, 0.2)};
  auto grads = [&](bool sparse) {
    ag::Var w(test::random_tensor({V, d}, DType::F32, 4), true), b(test::random_tensor({V}, DType::F32, 5), true);
    ag::Var x(test::random_tensor({B, d}, DType::F32, 6), true);
    if (sparse) w.set_sparse_grad(true);
    nn::SampledSoftmaxOptions o;
    o.num_sampled = 5;
    o.num_classes = V;
    o.sampled_values = sv;
    ag::Tape tape;
    ag::Var l;
    {
      ag::TapeScope scope(&tape);
      l = ag::sum(nn::sampled_softmax_loss(w, b, labels, x, o));
    }
    tape.backward(l);
    return w;
  };
  ag::Var dense = grads(false), sparse = grads(true);
  const RowSparse g = sparse.take_sparse_grad();
  ASSERT_TRUE(g.defined());
  std::set<std::int32_t> touched(labels_v.begin(), labels_v.end());
  touched.insert(sampled_v.begin(), sampled_v.end());
  EXPECT_EQ(g.ids.to_vector<std::int32_t>(), std::vector<std::int32_t>(touched.begin(), touched.end()));
  const auto want = dense.grad().to_vector<float>();
  const auto rows = g.rows.to_vector<float>();
  const auto ids = g.ids.to_vector<std::int32_t>();
  for (std::size_t j = 0; j < ids.size(); ++j)
    EXPECT_EQ(std::memcmp(&rows[j * d], &want[ids[j] * d], d * sizeof(float)), 0) << "row " << ids[j];
}
