// Tests of model/model_file.h: an export round trip (parameters bitwise, assets, step, source),
// the difference messages of compare_assets (contents, not sizes), an unknown tokenizer type
// refused, and the split-less dataset built from a payload.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>

#include "s2s/core/error.h"
#include "s2s/data/subword.h"
#include "s2s/model/model_file.h"

using namespace s2s;
using ::testing::HasSubstr;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/s2s_model_file_test_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

model::ModelFile sample() {
  model::ModelFile m;
  m.global_step = 42;
  m.source = "runs/x/ckpt-42.h5";
  m.config_yaml = "model:\n  size: 8\n";
  m.assets.source_vocab = {"_PAD", "_GO", "_EOS", "_UNK", "le", "chat"};
  m.assets.target_vocab = {"_PAD", "_GO", "_EOS", "_UNK", "the", "cat"};
  m.assets.tokenizer = {"basic", true};
  m.assets.buckets = {{{3, 4}}, {{5, 6}}};
  m.params["a/kernel"] = Tensor::from_vector<float>({2, 3}, {1, -2, 3.5f, 0, -0.0f, 1e-30f});
  m.params["b"] = Tensor::from_vector<double>({1}, {1.0 / 3});
  return m;
}

TEST(ModelFile, ExportRoundTrip) {
  TempDir dir;
  const std::string path = dir.path + "/m.h5";
  const model::ModelFile m = sample();
  model::write_model_file(path, m);
  const model::ModelFile back = model::read_model_file(path);
  EXPECT_EQ(back.format, model::kModelFormatName);
  EXPECT_EQ(back.format_version, 2);  // version 2: path checksums and a manifest
  EXPECT_EQ(back.global_step, 42);
  EXPECT_EQ(back.source, m.source);
  EXPECT_EQ(back.config_yaml, m.config_yaml);
  EXPECT_EQ(back.assets, m.assets);
  ASSERT_EQ(back.params.size(), 2u);
  for (const auto& [name, t] : m.params) {
    const Tensor& b = back.params.at(name);
    ASSERT_EQ(b.dtype(), t.dtype());
    ASSERT_EQ(b.shape(), t.shape());
    EXPECT_EQ(0, std::memcmp(b.raw(), t.raw(), t.nbytes())) << name;
  }
  // Only the temporary-free final file is left.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()), 1);
}

TEST(ModelFile, ExportNeedsAssets) {
  TempDir dir;
  model::ModelFile m = sample();
  m.assets = {};
  EXPECT_THROW(model::write_model_file(dir.path + "/m.h5", m), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/m.h5"));
}

TEST(ModelFile, CompareAssetsComparesContents) {
  const auto a = sample().assets;
  auto b = a;
  EXPECT_EQ(model::compare_assets(a, b, "A", "B"), "");
  std::swap(b.source_vocab[4], b.source_vocab[5]);  // same size, other contents
  EXPECT_EQ(model::compare_assets(a, b, "A", "B"), "source vocabulary: id 4 is 'le' in A but 'chat' in B");
  b = a;
  b.target_vocab.push_back("dog");
  EXPECT_EQ(model::compare_assets(a, b, "A", "B"), "target vocabulary: 6 tokens in A but 7 in B");
  b = a;
  b.tokenizer.normalize_digits = false;
  EXPECT_THAT(model::compare_assets(a, b, "A", "B"), HasSubstr("tokenizer: basic with digit normalisation in A"));
  b = a;
  b.buckets[1] = {5, 7};
  EXPECT_EQ(model::compare_assets(a, b, "A", "B"), "buckets: 3,4:5,6 in A but 3,4:5,7 in B");
}

TEST(ModelFile, DatasetFromAssets) {
  const auto a = sample().assets;
  auto ds = model::dataset_from_assets(a, "m.h5");
  EXPECT_EQ(ds->source_vocab().id("chat"), 5);
  EXPECT_EQ(ds->target_vocab().token(4), "the");
  EXPECT_EQ(ds->buckets().size(), 2u);
  EXPECT_EQ(ds->buckets()[1].decoder_size, 6);
  EXPECT_TRUE(ds->splits().empty());
  EXPECT_EQ(model::assets_from_dataset(*ds), a);
  auto unknown = a;
  unknown.tokenizer.type = "wordpiece";
  EXPECT_THAT([&] { model::dataset_from_assets(unknown, "m.h5"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("tokenizer type 'wordpiece' is not supported")));
  auto broken = a;
  broken.tokenizer = {"sentencepiece", false, "not a model", "not a model"};
  EXPECT_THAT([&] { model::dataset_from_assets(broken, "m.h5"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("m.h5:/model/tokenizer/source_model: not a SentencePiece model")));
}

// A SentencePiece model (trained here on a few lines) travels through the assets: the dataset
// built from them encodes and decodes with it; vocabularies that are not its pieces are refused.
TEST(ModelFile, SentencePieceAssets) {
  struct Lines : data::SentenceStream {
    int i = 0;
    bool next(std::string& s) override {
      static const char* kText[] = {"the cat sat on the mat", "a dog and a cat", "le chat est sur le tapis",
                                    "un chien et un chat"};
      if (i == 400) return false;
      s = kText[i++ % 4];
      return true;
    }
  } lines;
  data::SubwordTrainOptions o;
  o.vocab_size = 30;
  o.character_coverage = 1.0;
  auto m = data::SubwordModel::train(lines, o);
  auto a = sample().assets;
  a.source_vocab = a.target_vocab = m->pieces();
  a.tokenizer = {"sentencepiece", false, m->serialized(), m->serialized()};
  auto ds = model::dataset_from_assets(a, "m.h5");
  ASSERT_EQ(ds->tokenizer().kind, data::TokenizerKind::SentencePiece);
  EXPECT_EQ(ds->tokenizer().source_model, ds->tokenizer().target_model) << "a joint model is loaded once";
  const auto ids = ds->tokenizer().source_model->encode("the cat");
  EXPECT_EQ(ds->tokenizer().target_model->decode(ids), "the cat");
  EXPECT_EQ(model::assets_from_dataset(*ds), a);
  auto other = a;
  other.target_vocab = sample().assets.target_vocab;
  EXPECT_THAT([&] { model::dataset_from_assets(other, "m.h5"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("differs from the pieces")));
  auto different = a;
  different.tokenizer.target_model = "x";
  EXPECT_THAT(model::compare_assets(a, different, "A", "B"), HasSubstr("tokenizer: sentencepiece (models of"));
}

}  // namespace
