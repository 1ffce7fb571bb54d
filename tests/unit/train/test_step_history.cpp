// StepHistory on the CPU: each recorded row carries that step's aux values (not the last ones),
// the norm of the gradients at record time (hand-computed), tokens as the rank mean × world size,
// flags, the host-side step info; read() empties it; a full history refuses another record.
#include <gtest/gtest.h>

#include <cmath>

#include "s2s/core/error.h"
#include "s2s/train/step_history.h"

namespace s2s::train {
namespace {

TEST(StepHistory, RowsKeepEachStepsValues) {
  StepHistory h(3, DType::F64, Device::CPU);
  Tensor g = Tensor::from_vector<double>({2}, {3.0, 4.0});  // norm 5
  h.set_aux(Tensor::from_vector<double>({1}, {1.5}), 10, false, false, false);
  const Tensor norm_sq = h.record(std::span<const Tensor>(&g, 1), {1, 0, 0.5, {}});
  EXPECT_DOUBLE_EQ(norm_sq.data<double>()[0], 25.0);
  g.data<double>()[0] = 0.0;  // norm 4 for the next step
  h.set_aux(Tensor::from_vector<double>({1}, {0.75}), 6, true, false, true);
  h.record(std::span<const Tensor>(&g, 1), {2, 1, 0.25, {}});
  EXPECT_EQ(h.size(), 2);
  EXPECT_FALSE(h.full());

  const auto rows = h.read(/*world_size=*/2);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(h.size(), 0);
  EXPECT_DOUBLE_EQ(rows[0].loss, 1.5);
  EXPECT_DOUBLE_EQ(rows[0].tokens, 20.0);
  EXPECT_DOUBLE_EQ(rows[0].grad_norm, 5.0);
  EXPECT_FALSE(rows[0].checkpoint || rows[0].term || rows[0].interrupt);
  EXPECT_EQ(rows[0].info.step, 1);
  EXPECT_EQ(rows[0].info.bucket, 0);
  EXPECT_DOUBLE_EQ(rows[0].info.learning_rate, 0.5);
  EXPECT_DOUBLE_EQ(rows[1].loss, 0.75);
  EXPECT_DOUBLE_EQ(rows[1].tokens, 12.0);
  EXPECT_DOUBLE_EQ(rows[1].grad_norm, 4.0);
  EXPECT_TRUE(rows[1].checkpoint);
  EXPECT_FALSE(rows[1].term);
  EXPECT_TRUE(rows[1].interrupt);
  EXPECT_EQ(rows[1].info.bucket, 1);
  EXPECT_TRUE(h.read(2).empty());
}

TEST(StepHistory, FullRefusesAnotherRecord) {
  StepHistory h(1, DType::F32, Device::CPU);
  Tensor g = Tensor::zeros({4}, DType::F32);
  h.set_aux(Tensor::zeros({1}, DType::F32), 1, false, false, false);
  h.record(std::span<const Tensor>(&g, 1), {1, 0, 0.1, {}});
  EXPECT_TRUE(h.full());
  EXPECT_THROW(h.record(std::span<const Tensor>(&g, 1), {2, 0, 0.1, {}}), Error);
  EXPECT_THROW(StepHistory(0, DType::F32, Device::CPU), Error);
}

}  // namespace
}  // namespace s2s::train
