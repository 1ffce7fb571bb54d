// Tests SingleRankReducer ("none", dist/single_rank_reducer.h): the gradients are left exactly as
// they are (the average over one rank), steps are counted, and the interface's misuse errors
// remain (unknown buffer, a gradient marked twice in a step, ready before prepare); make_reducer
// gives it only for a one-rank world.
#include <gtest/gtest.h>

#include <vector>

#include "s2s/core/error.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/single_rank_reducer.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

TEST(SingleRankReducer, LeavesGradientsAsTheyAreAndCountsSteps) {
  World world(WorldOptions{.use_mpi = false, .timeout_s = {}});
  auto reducer = make_reducer("none", world);
  EXPECT_EQ(reducer->name(), "none");
  Tensor a = Tensor::from_vector<float>({3}, {1.5f, -2.0f, 3.25f});
  Tensor b = Tensor::from_vector<double>({2}, {0.1, 0.2});
  reducer->prepare({a, b});
  for (int step = 0; step < 3; ++step) {
    reducer->ready(b);
    reducer->ready(std::size_t{0});
    const ReduceStats s = reducer->finish();
    EXPECT_EQ(s.steps, 1u);
    EXPECT_EQ(s.bytes, 0u) << "nothing is moved";
  }
  EXPECT_EQ(reducer->totals().steps, 3u);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1.5f, -2.0f, 3.25f}));
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{0.1, 0.2}));
}

TEST(SingleRankReducer, MisuseIsAnError) {
  SingleRankReducer r;
  EXPECT_THROW(r.ready(std::size_t{0}), Error) << "before prepare";
  Tensor a = Tensor::zeros({2}, DType::F32), other = Tensor::zeros({2}, DType::F32);
  r.prepare({a});
  EXPECT_THROW(r.ready(other), Error) << "a buffer that was not prepared";
  EXPECT_THROW(r.ready(std::size_t{1}), Error) << "index out of range";
  r.ready(a);
  EXPECT_THROW(r.ready(a), Error) << "marked twice in one step";
  r.finish();
  r.ready(a);  // a new step
  EXPECT_THROW(r.prepare({a}), Error) << "prepare twice";
}

}  // namespace
}  // namespace s2s::dist
