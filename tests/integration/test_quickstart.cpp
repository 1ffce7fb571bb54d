// Owns: "the quickstart config learns its task" (issue "Trainer" item 10): launch/quickstart.sh's
// pipeline through the binary — `s2s prepare --synthetic reverse`, `s2s train --config
// configs/quickstart.yaml` (only the data path, train_dir and a shorter schedule overridden:
// 3,000 pairs instead of 20,000, 400 steps instead of 1,500), `s2s eval`, `s2s decode` — must
// reach a full-softmax dev perplexity below 1.5 (an untrained model is near the vocabulary size,
// 24) and decode most dev sentences into exactly their reversal, checked here by reversing the
// source text, independently of the model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.h"

namespace s2s::itest {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string reversed_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  std::reverse(w.begin(), w.end());
  std::string out;
  for (const auto& t : w) out += (out.empty() ? "" : " ") + t;
  return out;
}

TEST(Quickstart, LearnsToReverse) {
  TempDir tmp;
  const std::string data = tmp / "reverse.h5", text = tmp / "text", dir = tmp / "train";
  auto r = run_s2s({"prepare", "--synthetic", "reverse", "--pairs", "3000", "--dev-pairs", "100", "--seed", "1",
                    "--buckets", "5,10:10,15", "--emit-text", text, "-o", data, "--force", "--quiet"},
                   tmp.path());
  ASSERT_EQ(r.code, 0) << r.err;

  r = run_s2s({"train", "--config", source_dir() + "/configs/quickstart.yaml", "--set", "data.dataset=" + data,
               "--set", "train.train_dir=" + dir, "--set", "train.max_steps=400", "--set",
               "train.steps_per_checkpoint=200", "--set", "train.log_every=0"},
              tmp.path(), 120);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("dev perplexity"));

  r = run_s2s({"eval", "--checkpoint", dir, "--json"}, tmp.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("step").get<int>(), 400);
  EXPECT_EQ(j.at("overall").at("examples").get<int>(), 100);
  const double ppl = j.at("overall").at("perplexity").get<double>();
  std::printf("[quickstart] dev perplexity after 400 steps: %.4f\n", ppl);
  EXPECT_LT(ppl, 1.5);

  const auto dev = lines_of(read_file(text + "/dev.src"));
  ASSERT_GE(dev.size(), 20u);
  std::string input;
  for (std::size_t i = 0; i < 20; ++i) input += dev[i] + "\n";
  r = run_s2s({"decode", "--checkpoint", dir}, tmp.path(), 60, input);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 20u);
  int exact = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    exact += out[i] == reversed_words(dev[i]);
    if (i < 3) std::printf("[quickstart] %-24s -> %s\n", dev[i].c_str(), out[i].c_str());
  }
  std::printf("[quickstart] %d of 20 dev sentences reversed exactly\n", exact);
  EXPECT_GE(exact, 10);
}

}  // namespace
}  // namespace s2s::itest
