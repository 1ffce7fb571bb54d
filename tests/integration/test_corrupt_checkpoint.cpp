// Owns: resuming next to corrupt or truncated checkpoints (issue "Trainer" item 10,
// docs/checkpoint-format.md "Resuming"): `--resume auto` skips a corrupt `latest` with a warning
// and continues from the previous valid checkpoint (bitwise as a straight run would); an explicit
// corrupt PATH is an error naming it; a corrupt file is never overwritten or deleted (rotation
// leaves it, a re-save at its step first moves it to ckpt-<step>.h5.corrupt).
// Corruption is made independently of the writer: one bit flipped inside a parameter's raw bytes
// (found by searching the file for them), or the file cut in half.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "support.h"

namespace s2s::itest {
namespace {
namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// Flips one bit in the middle of the stored bytes of the largest parameter (datasets are
// contiguous and uncompressed, so its bytes appear verbatim in the file).
void flip_parameter_bit(const std::string& path) {
  const auto st = checkpoint::read_checkpoint(path);
  const Tensor* largest = nullptr;
  for (const auto& [name, t] : st.params)
    if (!largest || t.numel() > largest->numel()) largest = &t;
  ASSERT_NE(largest, nullptr);
  const std::string needle(static_cast<const char*>(largest->raw()), largest->nbytes());
  std::string bytes = read_file(path);
  const auto at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos) << "parameter bytes not found verbatim in " << path;
  ASSERT_EQ(bytes.find(needle, at + 1), std::string::npos) << "parameter bytes found twice";
  bytes[at + needle.size() / 2] ^= 0x10;
  write_file(path, bytes);
}

void truncate_half(const std::string& path) { fs::resize_file(path, fs::file_size(path) / 2); }

class CorruptCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dataset_ = tmp_ / "tiny.h5";
    make_dataset(dataset_);
    straight_ = tmp_ / "straight";
    train_local(make_config(with_sets(straight_, {"train.max_steps=16"})));
  }
  std::vector<std::string> with_sets(const std::string& dir, const std::vector<std::string>& extra) {
    auto sets = tiny_overrides(dataset_, dir);
    sets.push_back("optim.optimizer=adam");
    sets.push_back("optim.learning_rate=0.01");
    sets.insert(sets.end(), extra.begin(), extra.end());
    return sets;
  }
  ProcessResult train_cli(const std::string& dir, const std::vector<std::string>& extra,
                          const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv{"train"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const auto& a : as_set_args(with_sets(dir, extra))) argv.push_back(a);
    return run_s2s(argv, tmp_.path());
  }
  TempDir tmp_;
  std::string dataset_, straight_;
};

TEST_F(CorruptCheckpoint, AutoResumeSkipsCorruptLatestAndKeepsIt) {
  const std::string dir = tmp_ / "run";
  train_local(make_config(with_sets(dir, {"train.max_steps=8"})));
  ASSERT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{4, 8}));
  ASSERT_EQ(read_file(dir + "/latest"), "ckpt-8.h5\n");
  flip_parameter_bit(ckpt(dir, 8));
  const std::string corrupt_bytes = read_file(ckpt(dir, 8));

  auto r = train_cli(dir, {"train.max_steps=12", "train.keep_checkpoints=2"}, {"--resume", "auto"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("warning"), HasSubstr(ckpt(dir, 8)), HasSubstr("checksum mismatch"),
                           HasSubstr("falling back")));
  EXPECT_THAT(r.err, HasSubstr("resuming from " + ckpt(dir, 4) + " (step 4"));
  // The run continued from step 4 exactly: its step-8 and step-12 checkpoints are the straight run's.
  EXPECT_EQ(compare_checkpoints(ckpt(dir, 12), ckpt(straight_, 12)), "");
  EXPECT_EQ(compare_checkpoints(ckpt(dir, 8), ckpt(straight_, 8)), "");
  // The corrupt file was moved aside before step 8 was saved again, byte for byte.
  ASSERT_TRUE(fs::exists(ckpt(dir, 8) + ".corrupt"));
  EXPECT_TRUE(read_file(ckpt(dir, 8) + ".corrupt") == corrupt_bytes);
  // keep_checkpoints=2 rotated away step 4 (valid), never the .corrupt file.
  EXPECT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{8, 12}));
  EXPECT_EQ(read_file(dir + "/latest"), "ckpt-12.h5\n");
}

TEST_F(CorruptCheckpoint, RotationNeverDeletesACorruptCheckpoint) {
  const std::string dir = tmp_ / "run";
  train_local(make_config(with_sets(dir, {"train.max_steps=8"})));
  truncate_half(ckpt(dir, 4));  // an older checkpoint, not the one `latest` names
  const std::string truncated = read_file(ckpt(dir, 4));

  auto r = train_cli(dir, {"train.max_steps=16", "train.keep_checkpoints=1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("resuming from " + ckpt(dir, 8) + " (step 8"));
  EXPECT_EQ(compare_checkpoints(ckpt(dir, 16), ckpt(straight_, 16)), "");
  // Valid 8 and 12 were rotated away; the truncated 4 is still there, unchanged.
  EXPECT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{4, 16}));
  EXPECT_TRUE(read_file(ckpt(dir, 4)) == truncated);
}

TEST_F(CorruptCheckpoint, ExplicitCorruptPathIsAnError) {
  const std::string dir = tmp_ / "run";
  train_local(make_config(with_sets(dir, {"train.max_steps=8"})));
  flip_parameter_bit(ckpt(dir, 8));
  const std::string before = read_file(ckpt(dir, 8));

  auto r = train_cli(dir, {"train.max_steps=12"}, {"--resume", ckpt(dir, 8)});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("s2s: error:"), HasSubstr(ckpt(dir, 8)), HasSubstr("checksum mismatch")));
  EXPECT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{4, 8})) << "nothing may be written";
  EXPECT_TRUE(read_file(ckpt(dir, 8)) == before);

  truncate_half(ckpt(dir, 4));
  r = train_cli(dir, {"train.max_steps=12"}, {"--resume", ckpt(dir, 4)});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("s2s: error:"), HasSubstr(ckpt(dir, 4))));

  r = train_cli(dir, {"train.max_steps=12"}, {"--resume", ckpt(dir, 99)});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr(ckpt(dir, 99)), HasSubstr("no such checkpoint")));
}

TEST_F(CorruptCheckpoint, AllCorruptIsAnErrorNotAFreshStart) {
  const std::string dir = tmp_ / "run";
  train_local(make_config(with_sets(dir, {"train.max_steps=8"})));
  flip_parameter_bit(ckpt(dir, 8));
  truncate_half(ckpt(dir, 4));
  auto r = train_cli(dir, {"train.max_steps=12"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("no checkpoint in " + dir + " verifies"), HasSubstr("--resume none")));
  EXPECT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{4, 8}));
}

TEST_F(CorruptCheckpoint, InspectRejectsCorruptFile) {
  const std::string dir = tmp_ / "run";
  train_local(make_config(with_sets(dir, {"train.max_steps=4"})));
  flip_parameter_bit(ckpt(dir, 4));
  auto r = run_s2s({"inspect", ckpt(dir, 4)}, tmp_.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr(ckpt(dir, 4)), HasSubstr("checksum mismatch")));
}

// Issue 15 item 6's reproduction: one bit flipped in a name ("wrapper" -> "wrarper", the first
// place the file stores it) passed `s2s inspect`, and --resume auto then picked the file and died
// on a missing optimizer slot. Now the file does not verify: inspect fails, auto-resume falls back
// to the previous checkpoint and continues exactly.
TEST_F(CorruptCheckpoint, FlippedBitInANameIsCaughtAndAutoResumeFallsBack) {
  const std::string dir = tmp_ / "run";
  train_local(make_config(with_sets(dir, {"train.max_steps=8"})));
  std::string bytes = read_file(ckpt(dir, 8));
  const auto at = bytes.find("wrapper");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 3] ^= 0x02;  // 'p' (0x70) -> 'r' (0x72)
  ASSERT_EQ(bytes.substr(at, 7), "wrarper");
  write_file(ckpt(dir, 8), bytes);

  auto r = run_s2s({"inspect", ckpt(dir, 8)}, tmp_.path());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("all checksums verified")));
  r = train_cli(dir, {"train.max_steps=12"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("warning"), HasSubstr(ckpt(dir, 8)), HasSubstr("falling back"),
                           HasSubstr("resuming from " + ckpt(dir, 4) + " (step 4")));
  EXPECT_EQ(compare_checkpoints(ckpt(dir, 12), ckpt(straight_, 12)), "");
}

}  // namespace
}  // namespace s2s::itest
