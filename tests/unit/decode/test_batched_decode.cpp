// GreedyDecoder::translate_batch against an independent B = 1 reference: translate's decode()
// written out here with the public pieces (tokenise, prepare_decode_input, a one-row decode batch,
// a Decode forward, the argmax of each step's [1, V] logits read back one at a time, cut at EOS).
// Random models (GRU + attention + full softmax, LSTM without attention + sampled softmax, both
// float64; GRU + attention in float32 too) on a synthetic dataset with three buckets; sentences of
// every length from empty to past the last bucket (truncated, with the warning), unknown words.
// Batch sizes 1, 3 and 64 (several forwards per bucket, a short last one) must give exactly the
// reference, in input order; translate() too; under both bucket rules (the default training rule
// and translate's). Parameters are scaled up so that the random model's outputs differ from
// sentence to sentence (a row put in the wrong place shows).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "s2s/autograd/var.h"
#include "s2s/core/philox.h"
#include "s2s/data/decode_input.h"
#include "s2s/data/prepare.h"
#include "s2s/decode/greedy.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/config/config.h"

namespace s2s::decode {
namespace {
namespace fs = std::filesystem;

struct Reference {
  std::vector<std::int32_t> ids;
  std::string text;
  int bucket = 0;
  std::string warning;
};

// translate's decode() for one sentence, batch size 1, one host read per step.
Reference reference_translate(model::Seq2SeqModel& model, const data::Dataset& ds, const std::string& sentence,
                              data::DecodeBucketRule rule) {
  ag::TapeScope no_tape(nullptr);
  const auto ids = data::sentence_to_token_ids(sentence, ds.source_vocab(), ds.tokenizer());
  const data::DecodeInput input = data::prepare_decode_input(ids, ds.buckets(), rule);
  const data::Batch batch = data::make_decode_batch(input, ds.buckets());
  EXPECT_EQ(batch.batch_size, 1);
  model::ForwardResult r = model.forward(model::Seq2SeqBatch::from(batch), model::ForwardMode::Decode);
  Reference ref;
  ref.bucket = input.bucket;
  ref.warning = input.warning;
  Tensor idx = Tensor::empty({1}, DType::I32, model.params().device());
  bool ended = false;
  for (const ag::Var& logits : r.logits) {
    kern::argmax_rows(idx, logits.value());
    const std::int32_t id = idx.to_vector<std::int32_t>()[0];
    if (id == data::kEosId) ended = true;
    if (!ended) ref.ids.push_back(id);
  }
  ref.text = data::ids_to_text(ref.ids, ds.target_vocab());
  return ref;
}

// Sentences over the alphabet a..j plus unknown words and digits; lengths 0..11 (the last bucket
// takes 8), in a shuffled order so that the buckets interleave.
std::vector<std::string> test_sentences() {
  std::vector<std::string> s = {"a b",
                                "c d e",
                                "",
                                "f g h i",
                                "a b c d e f g",
                                "j i h g f e d c b a j i",  // 12 tokens: truncated to the last 8
                                "zebra a 42",               // unknown word, a number
                                "a",
                                "b b b b b",
                                "h g f e d c b a",          // 8 tokens: the last bucket (8, 9), whole
                                "c d e"};                   // a repeat
  PhiloxStream rng(5, 0);
  for (int i = 0; i < 160; ++i) {
    const auto len = static_cast<int>(rng.below(12));
    std::string line;
    for (int k = 0; k < len; ++k) {
      if (k) line += ' ';
      line += rng.below(15) == 0 ? std::string("qq") : std::string(1, static_cast<char>('a' + rng.below(10)));
    }
    s.push_back(line);
  }
  return s;
}

struct ModelCase {
  std::string name;
  std::vector<std::string> overrides;
};

class BatchedDecode : public ::testing::TestWithParam<ModelCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("s2s-batched-decode-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    data::PrepareOptions o;
    data::SyntheticOptions syn;
    syn.pairs = 200;
    syn.dev_pairs = 0;
    syn.seed = 3;
    syn.alphabet = 10;
    syn.min_length = 1;
    syn.max_length = 7;
    o.synthetic = syn;
    o.output_path = (*dir_ / "data.h5").string();
    o.force = true;
    o.buckets = data::parse_buckets("3,4:5,6:8,9");
    data::prepare_dataset(o);
    dataset_ = new std::shared_ptr<const data::Dataset>(data::Dataset::open(o.output_path));
  }
  static void TearDownTestSuite() {
    delete dataset_;
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }

  void check_against_reference(data::DecodeBucketRule rule);

  std::unique_ptr<model::Seq2SeqModel> make_model() const {
    config::TrainConfig cfg;
    config::config_apply_overrides(cfg, GetParam().overrides);
    const data::Dataset& ds = **dataset_;
    std::vector<model::Bucket> buckets;
    for (const auto& b : ds.buckets()) buckets.emplace_back(b.encoder_size, b.decoder_size);
    auto model = std::make_unique<model::Seq2SeqModel>(cfg.model, ds.source_vocab().size(), ds.target_vocab().size(),
                                                       buckets, /*seed=*/17);
    model->create_variables();
    // Larger weights: a random model whose argmax depends on its input.
    for (ag::Var& p : model->params().parameters()) {
      Tensor& v = p.mutable_value();
      Tensor host = v.to_dtype(DType::F64);
      auto values = host.to_vector<double>();
      for (double& x : values) x *= 3.0;
      v.copy_from(Tensor::from_vector<double>(host.shape(), values).to_dtype(v.dtype()));
    }
    return model;
  }
  static inline fs::path* dir_ = nullptr;
  static inline std::shared_ptr<const data::Dataset>* dataset_ = nullptr;
};

TEST_P(BatchedDecode, EveryBatchSizeGivesTheBatchOneReferenceInOrder) {
  for (const auto rule : {data::DecodeBucketRule::Training, data::DecodeBucketRule::Translate}) {
    SCOPED_TRACE("bucket rule " + std::string(data::decode_bucket_rule_name(rule)));
    check_against_reference(rule);
  }
}

void BatchedDecode::check_against_reference(data::DecodeBucketRule rule) {
  auto model = make_model();
  const data::Dataset& ds = **dataset_;
  GreedyDecoder decoder(*model, ds);
  if (rule != data::DecodeBucketRule::Training) decoder.set_bucket_rule(rule);
  const std::vector<std::string> sentences = test_sentences();
  std::vector<Reference> refs;
  for (const auto& s : sentences) refs.push_back(reference_translate(*model, ds, s, rule));

  // The cases the sentences were chosen for, checked by hand (buckets (3,4) (5,6) (8,9)).
  const bool translate = rule == data::DecodeBucketRule::Translate;
  EXPECT_EQ(refs[2].bucket, 0);  // the empty line is decoded (translate does), in the first bucket
  EXPECT_EQ(refs[5].bucket, 2);
  EXPECT_NE(refs[5].warning.find("Sentence truncated: 12 tokens"), std::string::npos) << refs[5].warning;
  EXPECT_EQ(refs[9].bucket, 2);
  EXPECT_TRUE(refs[9].warning.empty());
  EXPECT_EQ(refs[1].bucket, translate ? 0 : 1);  // 3 tokens: I = 3 >= 3, but not > 3
  EXPECT_EQ(refs[3].bucket, 1);                  // 4 tokens
  EXPECT_EQ(refs[4].bucket, 2);                  // 7 tokens
  std::set<std::string> texts;
  std::set<int> buckets;
  for (const auto& r : refs) texts.insert(r.text), buckets.insert(r.bucket);
  ASSERT_GE(texts.size(), 20u) << "the random model says the same thing for every input: the test would not see "
                                  "rows swapped";
  ASSERT_EQ(buckets.size(), 3u);

  const auto sampler_before = model->sampler_rng().state();
  for (std::int64_t batch : {1, 3, 64}) {
    const std::vector<Translation> got = decoder.translate_batch(sentences, batch);
    ASSERT_EQ(got.size(), sentences.size());
    for (std::size_t i = 0; i < sentences.size(); ++i) {
      SCOPED_TRACE("batch " + std::to_string(batch) + ", sentence " + std::to_string(i) + " '" + sentences[i] + "'");
      EXPECT_EQ(got[i].ids, refs[i].ids);
      EXPECT_EQ(got[i].tokenized, refs[i].text);
      // The synthetic symbols are letters, untouched by detokenisation (its rules: test_detokenizer).
      EXPECT_EQ(got[i].text, refs[i].text);
      EXPECT_EQ(got[i].bucket, refs[i].bucket);
      EXPECT_EQ(got[i].warning, refs[i].warning);
    }
  }
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const Translation one = decoder.translate(sentences[i]);
    EXPECT_EQ(one.ids, refs[i].ids) << sentences[i];
    EXPECT_EQ(one.warning, refs[i].warning) << sentences[i];
  }
  const auto sampler_after = model->sampler_rng().state();
  EXPECT_EQ(sampler_after.seed, sampler_before.seed);
  EXPECT_EQ(sampler_after.stream, sampler_before.stream);
  EXPECT_EQ(sampler_after.position, sampler_before.position);
}

TEST_P(BatchedDecode, EmptyInputAndBadBatchSize) {
  auto model = make_model();
  GreedyDecoder decoder(*model, **dataset_);
  EXPECT_TRUE(decoder.translate_batch({}, 8).empty());
  const std::vector<std::string> one = {"a b"};
  EXPECT_THROW(decoder.translate_batch(one, 0), Error);
}

const std::vector<std::string> kCommon = {"model.num_layers=1", "model.size=16", "model.embedding_size=8",
                                          "model.input_keep_prob=0.5", "model.output_keep_prob=0.5"};
std::vector<std::string> with_common(std::vector<std::string> extra) {
  extra.insert(extra.begin(), kCommon.begin(), kCommon.end());
  return extra;
}

INSTANTIATE_TEST_SUITE_P(
    Models, BatchedDecode,
    ::testing::Values(ModelCase{"GruAttentionFloat64",
                                with_common({"model.cell=gru", "model.num_layers=2", "model.attention=true",
                                             "model.num_samples=0", "model.dtype=float64"})},
                      ModelCase{"LstmSampledSoftmaxFloat64",
                                with_common({"model.cell=lstm", "model.attention=false", "model.num_samples=5",
                                             "model.dtype=float64"})},
                      ModelCase{"GruAttentionFloat32", with_common({"model.cell=gru", "model.attention=true",
                                                                    "model.num_samples=0", "model.dtype=float32"})}),
    [](const ::testing::TestParamInfo<ModelCase>& info) { return info.param.name; });

}  // namespace
}  // namespace s2s::decode
