// prepare_dataset with SentencePiece on the real multilingual sample (tests/data/multilingual;
// source: sample.txt, target: sample.nfkc.txt, line-aligned): the stored ids of every kept pair
// equal what the spm_encode command line makes of its line with the stored model; the models
// and vocabularies in the file; reuse of a model file; separate models; automatic buckets
// (counts that add up, at most the allowed share dropped); digits kept; the option errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "s2s/core/error.h"
#include "s2s/data/dataset_file.h"
#include "s2s/data/prepare.h"
#include "s2s/data/subword.h"
#include "s2s/io/h5_file.h"
#include "s2s/io/sha256.h"
#include "unit/io/temp_dir.h"

using namespace s2s;
using namespace s2s::data;
using s2s::test_support::TempDir;
using ::testing::HasSubstr;

namespace {

std::string sample_path(const std::string& name) {
  const char* dir = std::getenv("S2S_SOURCE_DIR");
  return std::string(dir != nullptr ? dir : ".") + "/tests/data/multilingual/" + name;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  EXPECT_NE(p, nullptr) << command;
  if (p == nullptr) return out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << command;
  return out;
}

// spm_encode's ids of every line of `text_path` with the model `model_bytes`.
std::vector<std::vector<std::int32_t>> spm_encode_ids(const TempDir& dir, const std::string& model_bytes,
                                                      const std::string& text_path) {
  const std::string model = dir.write("check.model", model_bytes);
  std::vector<std::vector<std::int32_t>> out;
  for (const auto& line : lines_of(run("spm_encode --model=" + model + " --output_format=id < " + text_path))) {
    std::istringstream in(line);
    std::vector<std::int32_t> ids;
    for (std::int32_t id; in >> id;) ids.push_back(id);
    out.push_back(ids);
  }
  return out;
}

PrepareOptions subword_options(const TempDir& dir) {
  PrepareOptions o;
  o.source_path = sample_path("sample.txt");
  o.target_path = sample_path("sample.nfkc.txt");
  o.output_path = dir.file("out.h5");
  o.tokenizer.kind = TokenizerKind::SentencePiece;
  o.tokenizer.normalize_digits = false;
  o.subword.train.vocab_size = 800;
  o.buckets = {{2000, 2000}};  // every pair of the sample fits
  return o;
}

// Every example of every bucket of `split` as (line, source ids, target ids).
struct Example {
  std::int64_t line;
  std::vector<std::int32_t> source, target;
};
std::vector<Example> examples(const Dataset& ds, const std::string& split) {
  std::vector<Example> out;
  for (int b = 0; b < static_cast<int>(ds.buckets().size()); ++b) {
    const ExampleBlock block = ds.read(split, b, 0, ds.bucket_size(split, b));
    for (std::int64_t i = 0; i < block.size(); ++i) {
      auto s = block.source(i), t = block.target(i);
      out.push_back({block.lines[static_cast<std::size_t>(i)], {s.begin(), s.end()}, {t.begin(), t.end()}});
    }
  }
  return out;
}

TEST(PrepareSubword, JointModelIdsEqualSpmEncode) {
  TempDir dir;
  PrepareOptions o = subword_options(dir);
  std::vector<std::string> phases;
  const PrepareSummary s = prepare_dataset(o, [&](const PrepareProgress& p) {
    if (p.done) phases.push_back(p.phase);
  });
  EXPECT_EQ(phases, (std::vector<std::string>{"scan train", "write train"}));
  EXPECT_EQ(s.train.pairs_read, 359);
  EXPECT_EQ(s.train.pairs_kept, 359);
  EXPECT_EQ(s.source_vocab, 800);

  auto f = io::File::open(o.output_path);
  EXPECT_EQ(f.attribute_string("tokenizer"), "sentencepiece");
  EXPECT_EQ(f.attribute_int("normalize_digits"), 0);
  EXPECT_EQ(f.attribute_int("spm_joint"), 1);
  EXPECT_EQ(f.attribute_string("spm_type"), "unigram");
  EXPECT_EQ(f.attribute_int("spm_vocab_size"), 800);
  const std::string model = f.read_bytes("tokenizer/source_model");
  EXPECT_TRUE(f.read_bytes("tokenizer/target_model") == model) << "joint: the same model twice";
  EXPECT_EQ(f.open_group("train").attribute_string("source_sha256"),
            io::sha256_file_hex(sample_path("sample.txt")));
  const auto pieces = SubwordModel::from_serialized(model, "test")->pieces();
  EXPECT_EQ(f.read_strings("vocab/source"), pieces);
  EXPECT_EQ(f.read_strings("vocab/target"), pieces);
  f.close();

  auto ds = Dataset::open(o.output_path);
  ASSERT_EQ(ds->tokenizer().kind, TokenizerKind::SentencePiece);
  EXPECT_EQ(ds->tokenizer().source_model, ds->tokenizer().target_model) << "one joint model object";
  EXPECT_TRUE(ds->tokenizer().source_model->serialized() == model);
  const auto want_source = spm_encode_ids(dir, model, sample_path("sample.txt"));
  const auto want_target = spm_encode_ids(dir, model, sample_path("sample.nfkc.txt"));
  ASSERT_EQ(want_source.size(), 359u);
  std::int64_t unk = 0, tokens = 0;
  const auto all = examples(*ds, "train");
  ASSERT_EQ(all.size(), 359u);
  for (const Example& e : all) {
    const auto i = static_cast<std::size_t>(e.line - 1);
    EXPECT_EQ(e.source, want_source[i]) << "line " << e.line;
    EXPECT_EQ(e.target, want_target[i]) << "line " << e.line;
    unk += std::count(e.source.begin(), e.source.end(), kUnkId);
    tokens += static_cast<std::int64_t>(e.source.size());
  }
  EXPECT_EQ(s.train.source_unk, unk);
  EXPECT_EQ(s.train.source_tokens, tokens);
  // Digits are never normalised: line 2 is a subtitle timing.
  EXPECT_EQ(ds->tokenizer().source_model->decode(want_source[1]), "00:00:06,500 --> 00:00:09,000");
}

TEST(PrepareSubword, ReusedAndSeparateModels) {
  TempDir dir;
  PrepareOptions trained = subword_options(dir);
  trained.subword.joint = false;
  // A target side of its own text (after NFKC, sample.nfkc.txt trains the same model as sample.txt).
  std::string target;
  for (const auto& line : lines_of(run("cat " + sample_path("sample.txt")))) target += "» " + line + " «\n";
  trained.target_path = dir.write("target.txt", target);
  std::vector<std::string> phases;
  prepare_dataset(trained, [&](const PrepareProgress& p) {
    if (p.done) phases.push_back(p.phase);
  });
  EXPECT_EQ(phases, (std::vector<std::string>{"scan train", "train target", "write train"}));
  auto ds = Dataset::open(trained.output_path);
  EXPECT_TRUE(ds->tokenizer().source_model->serialized() != ds->tokenizer().target_model->serialized());
  EXPECT_EQ(ds->target_vocab().tokens(), ds->tokenizer().target_model->pieces());
  const std::string source_model = dir.write("src.model", ds->tokenizer().source_model->serialized());
  const std::string target_model = dir.write("tgt.model", ds->tokenizer().target_model->serialized());

  // Reuse both: the same bytes travel into the new dataset, the same ids come out.
  PrepareOptions reuse = subword_options(dir);
  reuse.target_path = trained.target_path;
  reuse.output_path = dir.file("reuse.h5");
  reuse.subword.model_path = source_model;
  reuse.subword.target_model_path = target_model;
  prepare_dataset(reuse);
  auto again = Dataset::open(reuse.output_path);
  EXPECT_TRUE(again->tokenizer().source_model->serialized() == ds->tokenizer().source_model->serialized());
  EXPECT_TRUE(again->tokenizer().target_model->serialized() == ds->tokenizer().target_model->serialized());
  EXPECT_EQ(examples(*again, "train").size(), examples(*ds, "train").size());
  auto f = io::File::open(reuse.output_path);
  EXPECT_EQ(f.attribute_string("spm_model_sha256"), io::sha256_file_hex(source_model));
  EXPECT_EQ(f.attribute_int("spm_joint"), 0);
  EXPECT_FALSE(f.has_attribute("spm_type")) << "nothing was trained";
}

// 359 pairs, drop share 1 %: at most 3 pairs dropped; the per-bucket counts add up; buckets grow.
TEST(PrepareSubword, AutoBuckets) {
  TempDir dir;
  PrepareOptions o = subword_options(dir);
  o.auto_buckets = AutoBucketOptions{4, 0.01};
  std::vector<std::string> phases;
  const PrepareSummary s = prepare_dataset(o, [&](const PrepareProgress& p) {
    if (p.done) phases.push_back(p.phase);
  });
  EXPECT_EQ(phases, (std::vector<std::string>{"scan train", "lengths", "write train"}));
  EXPECT_EQ(s.auto_bucket_pairs, 359);
  EXPECT_LE(s.train.pairs_too_long, 3);
  EXPECT_EQ(s.train.pairs_kept + s.train.pairs_too_long, 359);
  ASSERT_GE(s.buckets.size(), 2u);
  std::int64_t sum = 0;
  for (auto n : s.train.kept_per_bucket) sum += n;
  EXPECT_EQ(sum, s.train.pairs_kept);
  auto f = io::File::open(o.output_path);
  EXPECT_EQ(f.attribute_string("buckets_auto"), "auto:4");
  EXPECT_EQ(Dataset::open(o.output_path)->buckets(), s.buckets);
}

TEST(PrepareSubword, OptionErrors) {
  TempDir dir;
  PrepareOptions o = subword_options(dir);
  o.vocab_from_path = dir.write("v", "_PAD\n_GO\n_EOS\n_UNK\n");
  EXPECT_THAT([&] { prepare_dataset(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("--vocab-from")));
  o = subword_options(dir);
  o.subword.target_model_path = "t.model";
  EXPECT_THAT([&] { prepare_dataset(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("needs --spm-model")));
  o = subword_options(dir);
  o.tokenizer.normalize_digits = true;
  EXPECT_THAT([&] { prepare_dataset(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("digit normalisation")));
  o = subword_options(dir);
  o.subword.model_path = dir.write("bad.model", "not a model");
  EXPECT_THAT([&] { prepare_dataset(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("bad.model")));
  EXPECT_FALSE(std::ifstream(o.output_path).good()) << "no output after an error";
}

}  // namespace
