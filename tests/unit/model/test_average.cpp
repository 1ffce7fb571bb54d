// Tests of model/average.h with hand-computed means: float64 accumulation rounded once to the
// stored dtype, the newest input's step and config, and errors naming both files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/model/average.h"

using namespace s2s;
using ::testing::AllOf;
using ::testing::HasSubstr;

namespace {

model::ModelFile file(const std::string& path, std::int64_t step, std::vector<float> w, std::vector<double> b) {
  model::ModelFile m;
  m.path = path;
  m.global_step = step;
  m.config_yaml = "config of " + path;
  m.assets.source_vocab = {"_PAD", "_GO", "_EOS", "_UNK", "a"};
  m.assets.target_vocab = {"_PAD", "_GO", "_EOS", "_UNK", "b"};
  m.assets.tokenizer = {"basic", true};
  m.assets.buckets = {{{3, 4}}};
  m.params["w"] = Tensor::from_vector<float>({2, 2}, w);
  m.params["b"] = Tensor::from_vector<double>({2}, b);
  return m;
}

TEST(Average, HandComputedMeans) {
  // w (float32): (1 + 2 + 4) / 3 = 7/3 -> float 2.33333325 (the nearer of 2.33333325, 2.33333349);
  // (0.1f + 0.2f + 0.3f) / 3 from the float values 0.100000001490116, 0.200000002980232,
  // 0.300000011920929 (sum exact in float64: 0.600000016391277) = 0.200000005463759 -> float
  // 0.200000003 = 0.2f; (-1 + 1 + 0) / 3 = 0; 3e38f three times: 9e38 overflows float32 (a float32
  // accumulation gives inf) but not float64, and 3x / 3 = x exactly -> 3e38f.
  // b (float64): (0.5 + 0.25 + 0.125) / 3 = 0.875 / 3; (1 + 2 + 4) / 3 = 7.0 / 3.
  const auto a = file("a.h5", 4, {1.0f, 0.1f, -1.0f, 3e38f}, {0.5, 1});
  const auto b = file("b.h5", 12, {2.0f, 0.2f, 1.0f, 3e38f}, {0.25, 2});
  const auto c = file("c.h5", 8, {4.0f, 0.3f, 0.0f, 3e38f}, {0.125, 4});
  const model::ModelFile avg = model::average_models({a, b, c});
  const float* w = avg.params.at("w").data<float>();
  EXPECT_EQ(w[0], 2.33333325f);
  EXPECT_EQ(w[1], 0.2f);
  EXPECT_EQ(w[2], 0.0f);
  EXPECT_EQ(w[3], 3e38f);  // float32 accumulation would overflow to inf
  const double* bb = avg.params.at("b").data<double>();
  EXPECT_EQ(bb[0], 0.875 / 3);
  EXPECT_EQ(bb[1], 7.0 / 3);
  EXPECT_EQ(avg.global_step, 12);
  EXPECT_EQ(avg.config_yaml, "config of b.h5");
  EXPECT_EQ(avg.assets, a.assets);
  EXPECT_EQ(avg.source, "average of a.h5 b.h5 c.h5");
}

TEST(Average, DifferentModelsAreErrors) {
  const auto a = file("a.h5", 4, {1, 2, 3, 4}, {1, 2});
  auto other_vocab = file("v.h5", 8, {1, 2, 3, 4}, {1, 2});
  other_vocab.assets.target_vocab[4] = "c";
  EXPECT_THAT([&] { model::average_models({a, other_vocab}); },
              ::testing::ThrowsMessage<Error>(AllOf(HasSubstr("a.h5"), HasSubstr("v.h5"),
                                                    HasSubstr("target vocabulary: id 4 is 'b'"))));
  auto other_shape = file("s.h5", 8, {1, 2, 3, 4}, {1, 2});
  other_shape.params["w"] = Tensor::from_vector<float>({4}, {1, 2, 3, 4});
  EXPECT_THAT([&] { model::average_models({a, other_shape}); },
              ::testing::ThrowsMessage<Error>(AllOf(HasSubstr("parameter w"), HasSubstr("s.h5"))));
  auto extra = file("e.h5", 8, {1, 2, 3, 4}, {1, 2});
  extra.params["x"] = Tensor::from_vector<float>({1}, {1});
  EXPECT_THAT([&] { model::average_models({a, extra}); },
              ::testing::ThrowsMessage<Error>(AllOf(HasSubstr("parameter x"), HasSubstr("missing in a.h5"))));
  auto old = file("old.h5", 8, {1, 2, 3, 4}, {1, 2});
  old.assets = {};
  EXPECT_THAT([&] { model::average_models({a, old}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("carries no vocabularies")));
  EXPECT_THROW(model::average_models({}), Error);
}

}  // namespace
