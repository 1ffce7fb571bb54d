// Owns: the signal contract of `s2s train` (signals.h, docs/checkpoint-format.md "Signals"),
// observed from outside: the binary runs as a subprocess until stopped (max_steps 0, periodic
// checkpoints effectively off), the test sends the signal once a few steps were logged, then
// checks the exit code (SIGTERM 143, SIGINT 130, SIGUSR1 continues), that the checkpoint it left
// verifies (`s2s inspect`), and that resuming continues from that step exactly as a straight run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;

class Signals : public ::testing::Test {
 protected:
  void SetUp() override {
    dataset_ = tmp_ / "tiny.h5";
    make_dataset(dataset_);
  }
  std::vector<std::string> sets(const std::string& dir, const std::vector<std::string>& extra) {
    auto s = tiny_overrides(dataset_, dir);
    for (const char* a : {"train.log_every=1", "train.steps_per_checkpoint=1000000", "train.eval=full"})
      s.push_back(a);
    s.insert(s.end(), extra.begin(), extra.end());
    return s;
  }
  std::vector<std::string> train_argv(const std::string& dir, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{s2s_binary(), "train"};
    for (const auto& a : as_set_args(sets(dir, extra))) argv.push_back(a);
    return argv;
  }
  // The step a "stopping on a signal after step K" line reports.
  static std::int64_t stopped_step(const std::string& out) {
    std::smatch m;
    if (!std::regex_search(out, m, std::regex("stopping on a signal after step ([0-9]+) \\(exit code ([0-9]+)\\)")))
      return -1;
    return std::stoll(m[1]);
  }
  // Resumes `dir` up to `step` + 2 and checks it equals a straight run of as many steps.
  void expect_resumes_exactly(const std::string& dir, std::int64_t step) {
    const std::string target = "train.max_steps=" + std::to_string(step + 2);
    auto r = run_s2s([&] {
      std::vector<std::string> a{"train", "--resume", "auto"};
      for (const auto& s : as_set_args(sets(dir, {target}))) a.push_back(s);
      return a;
    }(), tmp_.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.err, HasSubstr("resuming from " + ckpt(dir, step) + " (step " + std::to_string(step) + ","));
    const std::string straight = tmp_ / "straight";
    train_local(make_config(sets(straight, {target})));
    EXPECT_EQ(compare_checkpoints(ckpt(dir, step + 2), ckpt(straight, step + 2)), "");
  }
  void expect_inspect_ok(const std::string& path, std::int64_t step) {
    auto r = run_s2s({"inspect", path}, tmp_.path());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.out, AllOf(HasSubstr("all checksums verified"), HasSubstr("step " + std::to_string(step) + ",")));
  }
  TempDir tmp_;
  std::string dataset_;
};

TEST_F(Signals, TermCheckpointsAndExits143) {
  const std::string dir = tmp_ / "run";
  Child child(train_argv(dir, {"train.max_steps=0"}), tmp_ / "term");
  ASSERT_TRUE(child.wait_for_output("step 3 |", 30)) << child.out() << child.err();
  child.signal(SIGTERM);
  auto code = child.wait(30);
  ASSERT_TRUE(code.has_value()) << "s2s train did not exit after SIGTERM";
  EXPECT_EQ(*code, 143) << child.err();
  const std::int64_t step = stopped_step(child.out() + child.err());
  ASSERT_GE(step, 3) << child.out();
  EXPECT_EQ(checkpoint_steps(dir), std::vector<std::int64_t>{step});
  EXPECT_EQ(read_file(dir + "/latest"), "ckpt-" + std::to_string(step) + ".h5\n");
  expect_inspect_ok(ckpt(dir, step), step);
  expect_resumes_exactly(dir, step);
}

TEST_F(Signals, IntCheckpointsAndExits130) {
  const std::string dir = tmp_ / "run";
  Child child(train_argv(dir, {"train.max_steps=0"}), tmp_ / "int");
  ASSERT_TRUE(child.wait_for_output("step 2 |", 30)) << child.out() << child.err();
  child.signal(SIGINT);
  auto code = child.wait(30);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 130) << child.err();
  const std::int64_t step = stopped_step(child.out() + child.err());
  ASSERT_GE(step, 2);
  EXPECT_EQ(checkpoint_steps(dir), std::vector<std::int64_t>{step});
  expect_inspect_ok(ckpt(dir, step), step);
}

TEST_F(Signals, Usr1CheckpointsAndContinues) {
  const std::string dir = tmp_ / "run";
  Child child(train_argv(dir, {"train.max_steps=0"}), tmp_ / "usr1");
  ASSERT_TRUE(child.wait_for_output("step 2 |", 30)) << child.out() << child.err();
  child.signal(SIGUSR1);
  ASSERT_TRUE(child.wait_for_output("checkpoint " + dir + "/ckpt-", 30)) << child.out() << child.err();
  std::smatch m;
  const std::string out = child.out();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("checkpoint [^ ]*/ckpt-([0-9]+)\\.h5 \\(step ([0-9]+)\\)")));
  const std::int64_t usr1_step = std::stoll(m[1]);
  EXPECT_EQ(usr1_step, std::stoll(m[2]));
  // It keeps training past the checkpoint.
  ASSERT_TRUE(child.wait_for_output("step " + std::to_string(usr1_step + 2) + " |", 30)) << child.out();
  EXPECT_FALSE(child.wait(0).has_value()) << "SIGUSR1 must not stop training";
  expect_inspect_ok(ckpt(dir, usr1_step), usr1_step);
  child.signal(SIGTERM);
  auto code = child.wait(30);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 143);
  const std::int64_t term_step = stopped_step(child.out() + child.err());
  EXPECT_GE(term_step, usr1_step + 2);
  EXPECT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{usr1_step, term_step}));
  // The SIGUSR1 checkpoint is an ordinary, exactly resumable one.
  const std::string straight = tmp_ / "s";
  train_local(make_config(sets(straight, {"train.max_steps=" + std::to_string(usr1_step)})));
  EXPECT_EQ(compare_checkpoints(ckpt(dir, usr1_step), ckpt(straight, usr1_step)), "");
}

}  // namespace
}  // namespace s2s::itest
