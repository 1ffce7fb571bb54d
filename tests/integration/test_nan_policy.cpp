// Owns: train.nan_policy end to end. An update that overflows the parameters (learning rate
// 1e30, no clipping) makes every later step non-finite: `stop` must fail at once naming the
// step, and `skip` must not loop forever (global_step never advances once the parameters are
// huge or infinite; before the fix the run spun through skipped steps until killed) but stop with
// an error after 100 consecutive skipped steps, saying whether a parameter is non-finite.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "s2s/core/error.h"
#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string error_of(const config::TrainConfig& cfg) {
  try {
    train_local(cfg);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

class NanPolicy : public ::testing::Test {
 protected:
  void SetUp() override { make_dataset(tmp_ / "tiny.h5"); }
  config::TrainConfig overflowing(const std::string& policy) {
    auto s = tiny_overrides(tmp_ / "tiny.h5", tmp_ / "train");
    for (const std::string& a : std::vector<std::string>{"optim.learning_rate=1e30", "optim.max_gradient_norm=0", "train.max_steps=20",
                                "train.nan_policy=" + policy})
      s.push_back(a);
    return make_config(s);
  }
  TempDir tmp_;
};

TEST_F(NanPolicy, StopFailsAtTheFirstNonFiniteStep) {
  EXPECT_THAT(error_of(overflowing("stop")), AllOf(HasSubstr("at step 2"), HasSubstr("train.nan_policy = stop")));
}

TEST_F(NanPolicy, SkipGivesUpWhenTheRunCannotRecover) {
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THAT(error_of(overflowing("skip")),
              AllOf(HasSubstr("100 consecutive steps after step 1 were non-finite"), HasSubstr("parameter"),
                    HasSubstr("optim.learning_rate")));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 20.0);
}

}  // namespace
}  // namespace s2s::itest
