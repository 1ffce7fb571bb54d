// Beam search (decode/beam_search.h, beam_decoder.h) against independent references:
//  - hand-worked cases on a table "model" (the next symbol's probabilities depend only on the
//    previous symbol): the GNMT length penalty choosing a longer hypothesis, the n-best list with
//    its scores, the max-length end;
//  - exhaustive search: a random translate model with V = 6 target symbols and max length 3; the
//    log-probability of every one of the 6^3 sequences is computed by a teacher-forced EvalFull
//    forward (the full-sequence path, not the incremental decoder) and every possible hypothesis
//    (EOS-ended or cut at length 3) scored by hand; beam search with k = 216 >= 6^3 and n-best =
//    216 must return exactly that ranked list (α = 0 and α = 0.7), for three sources at once;
//  - k = 1 gives GreedyDecoder's ids for 171 sentences over three buckets, for GRU/LSTM,
//    one/two layers, attention with one/two heads or none, full and sampled softmax.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "s2s/autograd/var.h"
#include "s2s/config/config.h"
#include "s2s/core/philox.h"
#include "s2s/data/decode_input.h"
#include "s2s/data/prepare.h"
#include "s2s/decode/beam_decoder.h"
#include "s2s/decode/greedy.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::decode {
namespace {
namespace fs = std::filesystem;
constexpr std::int32_t kEos = data::kEosId;

// Rows hold their previous symbol; the logits are log p(next | previous) from a table.
class TableStepper final : public BeamStepper {
 public:
  explicit TableStepper(std::map<std::int32_t, std::vector<double>> table, std::int64_t V)
      : table_(std::move(table)), V_(V) {}
  Tensor step(const Tensor& ids) override {
    const auto prev = ids.to_vector<std::int32_t>();
    S2S_CHECK(prev.size() == rows_.size(), "TableStepper: ", prev.size(), " ids for ", rows_.size(), " rows");
    std::vector<double> logits;
    for (std::int32_t p : prev) {
      auto it = table_.find(p);
      for (std::int64_t y = 0; y < V_; ++y)
        logits.push_back(it == table_.end() ? std::log(1.0 / double(V_)) : std::log(it->second[std::size_t(y)]));
    }
    return Tensor::from_vector<double>({std::int64_t(prev.size()), V_}, logits);
  }
  void reorder(const Tensor& rows, bool) override { rows_.assign(std::size_t(rows.numel()), 0); }
  Device device() const override { return Device::CPU; }
  std::vector<int> rows_ = std::vector<int>(1);

 private:
  std::map<std::int32_t, std::vector<double>> table_;
  std::int64_t V_;
};

// V = 5 (0 PAD, 1 GO, 2 EOS, 3, 4); e = 1e-6 for the symbols a path does not take.
// GO -> EOS 0.4 | 3 0.6−3e; 3 -> EOS 0.6 | 4 0.4−3e; 4 -> EOS 1−4e.
// Hypotheses: [] p = 0.4; [3] p = 0.6·0.6 ≈ 0.36; [3 4] p ≈ 0.6·0.4·1 = 0.24.
constexpr double kE = 1e-6;
const double kLogEnd = std::log(0.4);                                         // []
const double kLog3 = std::log((0.6 - 3 * kE) * 0.6);                          // [3]
const double kLog34 = std::log((0.6 - 3 * kE) * (0.4 - 3 * kE) * (1 - 4 * kE));  // [3 4]
TableStepper hand_table() {
  const double e = kE;
  return TableStepper({{data::kGoId, {e, e, 0.4, 0.6 - 3 * e, e}},
                       {3, {e, e, 0.6, e, 0.4 - 3 * e}},
                       {4, {e, e, 1 - 4 * e, e, e}}},
                      5);
}

TEST(LengthPenalty, GnmtFormula) {
  EXPECT_DOUBLE_EQ(length_penalty(7, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(length_penalty(1, 1.0), 1.0);          // (5 + 1) / 6
  EXPECT_DOUBLE_EQ(length_penalty(7, 1.0), 2.0);          // 12 / 6
  EXPECT_NEAR(length_penalty(2, 0.5), std::sqrt(7.0 / 6.0), 1e-15);
}

TEST(BeamSearch, HandWorkedLengthPenaltyAndNBest) {
  const std::vector<std::int64_t> max_steps = {3};
  {  // α = 0: log 0.4 = −0.916 beats log 0.36 = −1.022.
    TableStepper s = hand_table();
    BeamOptions o;
    o.beam_size = 3;
    o.n_best = 3;
    const auto got = beam_search(s, max_steps, o);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].size(), 3u);
    EXPECT_EQ(got[0][0].ids, std::vector<std::int32_t>{});
    EXPECT_NEAR(got[0][0].score, kLogEnd, 1e-12);
    EXPECT_EQ(got[0][0].length, 1);
    EXPECT_TRUE(got[0][0].ended_by_eos);
    EXPECT_EQ(got[0][1].ids, (std::vector<std::int32_t>{3}));
    EXPECT_NEAR(got[0][1].score, kLog3, 1e-12);
    EXPECT_EQ(got[0][2].ids, (std::vector<std::int32_t>{3, 4}));
    EXPECT_NEAR(got[0][2].score, kLog34, 1e-12);
    EXPECT_EQ(got[0][2].length, 3);
  }
  {  // α = 1: [] −0.916 / 1; [3] −1.022 / (7/6) = −0.876 wins; [3 4] −1.427 / (8/6) = −1.070.
    TableStepper s = hand_table();
    BeamOptions o;
    o.beam_size = 2;
    o.length_penalty = 1.0;
    o.n_best = 2;
    const auto got = beam_search(s, max_steps, o);
    ASSERT_EQ(got[0].size(), 2u);
    EXPECT_EQ(got[0][0].ids, (std::vector<std::int32_t>{3}));
    EXPECT_NEAR(got[0][0].score, kLog3 / (7.0 / 6.0), 1e-12);
    EXPECT_NEAR(got[0][0].log_prob, kLog3, 1e-12);
    EXPECT_EQ(got[0][1].ids, std::vector<std::int32_t>{});
  }
  {  // k = 1, α = 0: greedy: GO -> 3 (0.6) -> EOS (0.6): [3]; the search stops at that EOS.
    TableStepper s = hand_table();
    BeamOptions o;
    o.beam_size = 1;
    const auto got = beam_search(s, max_steps, o);
    EXPECT_EQ(got[0][0].ids, (std::vector<std::int32_t>{3}));
  }
}

TEST(BeamSearch, MaxLengthEndsLiveBeamsAndBadOptionsThrow) {
  // Uniform over V = 5 everywhere except that EOS is very unlikely: every hypothesis runs to max.
  const double e = 1e-9;
  std::vector<double> row = {0.25, 0.25, e, 0.25, 0.25 - e};
  TableStepper s({{0, row}, {1, row}, {3, row}, {4, row}}, 5);
  BeamOptions o;
  o.beam_size = 2;
  const std::vector<std::int64_t> max_steps = {4, 2};
  const auto got = beam_search(s, max_steps, o);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0][0].ids, (std::vector<std::int32_t>{0, 0, 0, 0}));  // ties: lowest ids
  EXPECT_FALSE(got[0][0].ended_by_eos);
  EXPECT_NEAR(got[0][0].score, 4 * std::log(0.25), 1e-6);
  EXPECT_EQ(got[1][0].ids, (std::vector<std::int32_t>{0, 0}));
  BeamOptions bad = o;
  bad.n_best = 3;
  EXPECT_THROW(beam_search(s, max_steps, bad), Error);
  bad = o;
  bad.length_penalty = -1;
  EXPECT_THROW(beam_search(s, max_steps, bad), Error);
}

// Random weights ×3 so that the outputs depend on the input.
void scale_parameters(model::Seq2SeqModel& m, double f) {
  for (ag::Var& p : m.params().parameters()) {
    Tensor& v = p.mutable_value();
    auto values = v.to_dtype(DType::F64).to_vector<double>();
    for (double& x : values) x *= f;
    v.copy_from(Tensor::from_vector<double>(v.shape(), values).to_dtype(v.dtype()));
  }
}

class ModelStepperForTest final : public BeamStepper {
 public:
  ModelStepperForTest(model::Seq2SeqModel& m, nn::DecoderMemory mem) : m_(m), mem_(std::move(mem)) {}
  Tensor step(const Tensor& ids) override { return m_.decode_step(ids, mem_); }
  void reorder(const Tensor& rows, bool same_sources) override {
    mem_ = model::Seq2SeqModel::reorder(mem_, rows, same_sources);
  }
  Device device() const override { return Device::CPU; }

 private:
  model::Seq2SeqModel& m_;
  nn::DecoderMemory mem_;
};

struct Scored {
  std::vector<std::int32_t> ids;
  double score;
};

// Every hypothesis of max length L over V symbols for `source`, scored from one teacher-forced
// EvalFull forward of all V^L sequences.
std::vector<Scored> exhaustive(model::Seq2SeqModel& m, const std::vector<std::int32_t>& source, std::int64_t I,
                               std::int64_t V, std::int64_t L, double alpha) {
  ag::TapeScope no_tape(nullptr);
  std::int64_t B = 1;
  for (std::int64_t t = 0; t < L; ++t) B *= V;
  std::vector<std::int32_t> enc(static_cast<std::size_t>(I * B)), dec(static_cast<std::size_t>(L * B)),
      tgt(static_cast<std::size_t>(L * B));
  std::vector<std::vector<std::int32_t>> seqs(static_cast<std::size_t>(B));
  // The encoder column of the source in translate's layout (reversed, left-padded), every row.
  data::DecodeInput one;
  one.source = source;
  const std::vector<std::int32_t> column =
      data::make_decode_batch(one, {data::Bucket{I, L}}).encoder_inputs.to_vector<std::int32_t>();
  for (std::int64_t b = 0; b < B; ++b) {
    std::int64_t x = b;
    for (std::int64_t t = 0; t < L; ++t, x /= V) seqs[std::size_t(b)].push_back(std::int32_t(x % V));
    for (std::int64_t i = 0; i < I; ++i) enc[std::size_t(i * B + b)] = column[std::size_t(i)];
    for (std::int64_t t = 0; t < L; ++t) {
      dec[std::size_t(t * B + b)] = t == 0 ? data::kGoId : seqs[std::size_t(b)][std::size_t(t - 1)];
      tgt[std::size_t(t * B + b)] = seqs[std::size_t(b)][std::size_t(t)];
    }
  }
  model::Seq2SeqBatch batch;
  batch.bucket = 0;
  batch.encoder_inputs = Tensor::from_vector<std::int32_t>({I, B}, enc);
  batch.decoder_inputs = Tensor::from_vector<std::int32_t>({L, B}, dec);
  batch.targets = Tensor::from_vector<std::int32_t>({L, B}, tgt);
  batch.weights = Tensor::from_vector<float>({L, B}, std::vector<float>(std::size_t(L * B), 1.0f));
  const model::ForwardResult r = m.forward(batch, model::ForwardMode::EvalFull);
  std::vector<std::vector<double>> logp;  // [L][B·V]
  for (const auto& l : r.logits) {
    Tensor y = Tensor::empty(l.value().shape(), l.value().dtype());
    kern::log_softmax_rows(y, l.value());
    logp.push_back(y.to_dtype(DType::F64).to_vector<double>());
  }
  std::map<std::vector<std::int32_t>, double> found;  // hypothesis (with a trailing EOS if ended) -> score
  for (std::int64_t b = 0; b < B; ++b) {
    double sum = 0;
    const auto& y = seqs[std::size_t(b)];
    std::vector<std::int32_t> prefix;
    bool ended = false;
    for (std::int64_t t = 0; t < L && !ended; ++t) {
      sum += logp[std::size_t(t)][std::size_t(b * V + y[std::size_t(t)])];
      prefix.push_back(y[std::size_t(t)]);
      if (y[std::size_t(t)] == kEos) {
        found[prefix] = sum / length_penalty(t + 1, alpha);
        ended = true;
      }
    }
    if (!ended) found[prefix] = sum / length_penalty(L, alpha);
  }
  std::vector<Scored> out;
  for (auto& [ids, score] : found) {
    std::vector<std::int32_t> shown = ids;
    if (!shown.empty() && shown.back() == kEos) shown.pop_back();
    out.push_back({shown, score});
  }
  std::sort(out.begin(), out.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  return out;
}

class ExhaustiveBeam : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(ExhaustiveBeam, WideBeamFindsEveryHypothesisRankedExactly) {
  constexpr std::int64_t V = 6, L = 3, I = 4;
  config::TrainConfig cfg;
  config::config_apply_overrides(cfg, {"model.size=8", "model.embedding_size=6", "model.dtype=float64"});
  config::config_apply_overrides(cfg, GetParam());
  model::Seq2SeqModel m(cfg.model, /*source_vocab=*/7, V, {{I, L}}, /*seed=*/5);
  m.create_variables();
  scale_parameters(m, 3.0);
  const std::vector<std::vector<std::int32_t>> sources = {{4, 5}, {6, 4, 4, 5}, {}};
  for (double alpha : {0.0, 0.7}) {
    SCOPED_TRACE("alpha " + std::to_string(alpha));
    std::vector<data::DecodeInput> rows;
    for (const auto& s : sources) {
      data::DecodeInput in;
      in.bucket = 0;
      in.source = s;
      rows.push_back(in);
    }
    const std::vector<data::Bucket> buckets = {{I, L}};
    const data::Batch batch = data::make_decode_batch(rows, buckets);
    ModelStepperForTest stepper(m, m.encode(model::Seq2SeqBatch::from(batch)));
    BeamOptions o;
    o.beam_size = 216;
    o.n_best = 216;
    o.length_penalty = alpha;
    const std::vector<std::int64_t> max_steps(sources.size(), L);
    const auto got = beam_search(stepper, max_steps, o);
    for (std::size_t n = 0; n < sources.size(); ++n) {
      const std::vector<Scored> ref = exhaustive(m, sources[n], I, V, L, alpha);
      ASSERT_EQ(ref.size(), 156u);  // 1 + 5 + 25 ended by EOS, 125 cut at length 3
      ASSERT_EQ(got[n].size(), ref.size()) << "source " << n;
      for (std::size_t j = 0; j < ref.size(); ++j) {
        EXPECT_NEAR(got[n][j].score, ref[j].score, 1e-9) << "source " << n << " rank " << j;
        if (j == 0 || std::abs(ref[j].score - ref[j - 1].score) > 1e-9) {
          EXPECT_EQ(got[n][j].ids, ref[j].ids) << "source " << n << " rank " << j;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ExhaustiveBeam,
                         ::testing::Values(std::vector<std::string>{"model.cell=gru", "model.num_layers=1"},
                                           std::vector<std::string>{"model.cell=lstm", "model.num_layers=2",
                                                                    "model.num_heads=2"},
                                           std::vector<std::string>{"model.attention=false", "model.num_layers=2"}));

// ---- k = 1 against GreedyDecoder -------------------------------------------------------------
std::vector<std::string> many_sentences() {
  std::vector<std::string> s = {"", "a b", "j i h g f e d c b a j i", "zebra a 42"};
  PhiloxStream rng(11, 0);
  while (s.size() < 171) {
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

class BeamOneIsGreedy : public ::testing::TestWithParam<std::vector<std::string>> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("s2s-beam-" + std::to_string(::getpid())));
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
  static inline fs::path* dir_ = nullptr;
  static inline std::shared_ptr<const data::Dataset>* dataset_ = nullptr;
};

TEST_P(BeamOneIsGreedy, SameIdsForEverySentence) {
  config::TrainConfig cfg;
  config::config_apply_overrides(cfg, {"model.num_layers=1", "model.size=16", "model.embedding_size=8"});
  config::config_apply_overrides(cfg, GetParam());
  const data::Dataset& ds = **dataset_;
  std::vector<model::Bucket> buckets;
  for (const auto& b : ds.buckets()) buckets.emplace_back(b.encoder_size, b.decoder_size);
  model::Seq2SeqModel m(cfg.model, ds.source_vocab().size(), ds.target_vocab().size(), buckets, /*seed=*/17);
  m.create_variables();
  scale_parameters(m, 3.0);
  const auto sentences = many_sentences();
  GreedyDecoder greedy(m, ds);
  const auto want = greedy.translate_batch(sentences, 64);
  std::set<std::string> texts;
  std::set<int> used_buckets;
  std::size_t full_length = 0;
  for (const auto& t : want) {
    texts.insert(t.text), used_buckets.insert(t.bucket);
    if (t.ids.size() == std::size_t(ds.buckets()[std::size_t(t.bucket)].decoder_size)) ++full_length;
  }
  ASSERT_GE(texts.size(), 20u) << "the random model says the same thing for every input";
  ASSERT_EQ(used_buckets.size(), 3u);
  for (std::int64_t batch : {64, 5}) {
    BeamDecodeOptions o;
    o.beam.beam_size = 1;
    o.batch_size = batch;
    BeamSearchDecoder beam(m, ds, o);
    const auto got = beam.translate_batch(sentences);
    ASSERT_EQ(got.size(), sentences.size());
    for (std::size_t i = 0; i < sentences.size(); ++i) {
      ASSERT_EQ(got[i].hypotheses.size(), 1u);
      EXPECT_EQ(got[i].hypotheses[0].ids, want[i].ids) << "batch " << batch << " sentence " << i << " '"
                                                       << sentences[i] << "'";
      EXPECT_EQ(got[i].texts[0], want[i].text);
      EXPECT_EQ(got[i].bucket, want[i].bucket);
      EXPECT_EQ(got[i].warning, want[i].warning);
    }
  }
  RecordProperty("sentences_without_eos", static_cast<int>(full_length));
}

INSTANTIATE_TEST_SUITE_P(
    Models, BeamOneIsGreedy,
    ::testing::Values(std::vector<std::string>{"model.cell=gru", "model.num_samples=0"},
                      std::vector<std::string>{"model.cell=lstm", "model.num_layers=2", "model.num_heads=2",
                                               "model.num_samples=0"},
                      std::vector<std::string>{"model.cell=lstm", "model.attention=false", "model.num_samples=8",
                                               "model.dtype=float64"},
                      std::vector<std::string>{"model.cell=gru", "model.num_layers=2", "model.num_samples=8"},
                      std::vector<std::string>{"model.cell=gru", "model.attention=false", "model.num_layers=2",
                                               "model.num_samples=0"}));

}  // namespace
}  // namespace s2s::decode
