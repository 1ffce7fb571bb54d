// Owns: BLEU/chrF validation during training (issue 13 item 7), end to end: validation records in
// metrics.jsonl and TensorBoard, best.h5 surviving rotation (keep_checkpoints=1) and equal to the
// checkpoint of the best step, early stopping at the validation an independent reading of the
// logged scores predicts (exit 0, a clear line), resume (stopped or SIGKILLed) giving the same
// best/patience state as a straight run, validation leaving training bitwise unchanged, and the
// BLEU of the last validation recomputed from the final checkpoint with score/'s corpus BLEU.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "s2s/data/dataset_file.h"
#include "s2s/decode/beam_decoder.h"
#include "s2s/decode/greedy.h"
#include "s2s/model/seq2seq_model.h"
#include "s2s/score/bleu.h"
#include "s2s/score/chrf.h"
#include "s2s/train/run_state.h"
#include "support.h"

namespace s2s::itest {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Record {
  std::int64_t step;
  double bleu, chrf, perplexity;
};

std::vector<Record> validation_records(const std::string& train_dir) {
  std::ifstream in(train_dir + "/metrics.jsonl");
  std::vector<Record> out;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("kind", "") != "validation") continue;
    out.push_back({j.at("step").get<std::int64_t>(), j.at("bleu").get<double>(), j.at("chrf").get<double>(),
                   j.at("perplexity").get<double>()});
  }
  return out;
}

// The index of the best record (strictly better only, so the first of equals) after each record,
// and the index at which `patience` records in a row without improvement end the run (-1: none).
struct Expected {
  std::size_t best = 0;
  long stop = -1;
};
Expected expected_from(const std::vector<Record>& r, double Record::*metric, bool higher, long patience) {
  Expected e;
  long since = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const bool better = i == 0 || (higher ? r[i].*metric > r[e.best].*metric : r[i].*metric < r[e.best].*metric);
    if (better) {
      e.best = i;
      since = 0;
    } else if (++since >= patience && patience > 0) {
      e.stop = static_cast<long>(i);
      break;
    }
  }
  return e;
}

// The dev pairs of a dataset as validation scores them: tokens joined by spaces.
struct DevText {
  std::vector<std::string> sources, refs;
};
std::string join_tokens(std::span<const std::int32_t> ids, const data::Vocabulary& v) {
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : " ") + v.token(id);
  return s;
}
DevText dev_text(const data::Dataset& dataset) {
  DevText t;
  for (int b = 0; b < int(dataset.buckets().size()); ++b) {
    const auto block = dataset.read("dev", b, 0, dataset.bucket_size("dev", b));
    for (std::int64_t i = 0; i < block.size(); ++i) {
      t.sources.push_back(join_tokens(block.source(i), dataset.source_vocab()));
      t.refs.push_back(join_tokens(block.target(i), dataset.target_vocab()));
    }
  }
  return t;
}

class Validation : public ::testing::Test {
 protected:
  void SetUp() override {
    dataset_ = tmp_ / "tiny.h5";
    TinyData d;
    d.pairs = 96;
    d.dev_pairs = 24;
    make_dataset(dataset_, d);
  }
  std::vector<std::string> sets(const std::string& dir, const std::vector<std::string>& extra) {
    auto s = tiny_overrides(dataset_, dir);
    for (const char* a : {"model.size=16", "model.embedding_size=16", "optim.learning_rate=1.0",
                          "train.validate_every=1", "train.steps_per_checkpoint=6"})
      s.push_back(a);
    s.insert(s.end(), extra.begin(), extra.end());
    return s;
  }
  TempDir tmp_;
  std::string dataset_;
};

TEST_F(Validation, LogsScoresAndBestSurvivesRotation) {
  const std::string dir = tmp_ / "run";
  const auto r = train_local(make_config(sets(dir, {"train.max_steps=60", "train.keep_checkpoints=1"})));
  ASSERT_EQ(r.global_step, 60);
  const auto recs = validation_records(dir);
  ASSERT_EQ(recs.size(), 10u);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(recs[i].step, 6 * std::int64_t(i + 1));
    EXPECT_GE(recs[i].bleu, 0);
    EXPECT_LE(recs[i].bleu, 100);
    EXPECT_GT(recs[i].chrf, 0);
    EXPECT_GT(recs[i].perplexity, 1);
  }
  // The model learns the task a little: validation must see it (not a constant).
  EXPECT_GT(recs.back().chrf, recs.front().chrf);
  // TensorBoard: the scalars' tags are in the event file.
  std::string events;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with("events.out.tfevents")) events += read_file(e.path().string());
  EXPECT_THAT(events, HasSubstr("validation/bleu"));
  EXPECT_THAT(events, HasSubstr("validation/chrf"));

  // Rotation kept one ckpt-*.h5; best.h5 is the best BLEU step's checkpoint (first of equals).
  EXPECT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{60}));
  const Expected e = expected_from(recs, &Record::bleu, true, 0);
  ASSERT_TRUE(fs::exists(dir + "/best.h5"));
  EXPECT_EQ(r.best_step, recs[e.best].step);
  EXPECT_EQ(r.best_value, recs[e.best].bleu);
  const std::string all = tmp_ / "keep_all";
  train_local(make_config(sets(all, {"train.max_steps=60", "train.keep_checkpoints=0"})));
  EXPECT_EQ(compare_checkpoints(dir + "/best.h5", ckpt(all, recs[e.best].step)), "");
  EXPECT_EQ(compare_checkpoints(all + "/best.h5", ckpt(all, recs[e.best].step)), "");

  // The last validation's BLEU/chrF, recomputed: decode the dev sources of the file with the final
  // checkpoint's parameters and score with score/'s corpus functions (not validation's code).
  const auto dataset = data::Dataset::open(dataset_);
  const auto [sources, refs] = dev_text(*dataset);
  ASSERT_EQ(sources.size(), 24u);
  const auto cfg = make_config(sets(dir, {}));
  model::Seq2SeqModel m(cfg.model, dataset->source_vocab().size(), dataset->target_vocab().size(),
                        {{3, 4}, {5, 6}}, cfg.train.seed, 0);
  m.create_variables();
  const auto st = checkpoint::read_checkpoint(ckpt(dir, 60));
  auto params = m.params().parameters();
  for (auto& p : params) p.mutable_value().copy_from(st.params.at(p.name()));
  decode::GreedyDecoder dec(m, *dataset);
  std::vector<std::string> hyps;
  for (const auto& s : sources) hyps.push_back(join_tokens(dec.translate(s).ids, dataset->target_vocab()));
  EXPECT_NEAR(recs.back().bleu, score::corpus_bleu(hyps, {refs}).score, 1e-9);
  EXPECT_NEAR(recs.back().chrf, score::corpus_chrf(hyps, {refs}).score, 1e-9);
}

// train.validation_beam > 1: validation decodes with beam search. Its BLEU/chrF are recomputed
// here with the beam decoder and score/ on the final checkpoint, and training is unchanged.
TEST_F(Validation, BeamValidationScoresTheBeamSearchAndLeavesTrainingAlone) {
  const std::string dir = tmp_ / "beam", greedy = tmp_ / "greedy";
  train_local(make_config(sets(dir, {"train.max_steps=12", "train.validation_beam=3"})));
  train_local(make_config(sets(greedy, {"train.max_steps=12"})));
  const auto recs = validation_records(dir);
  ASSERT_EQ(recs.size(), 2u);
  const auto dataset = data::Dataset::open(dataset_);
  const auto [sources, refs] = dev_text(*dataset);
  const auto cfg = make_config(sets(dir, {}));
  model::Seq2SeqModel m(cfg.model, dataset->source_vocab().size(), dataset->target_vocab().size(),
                        {{3, 4}, {5, 6}}, cfg.train.seed, 0);
  m.create_variables();
  const auto st = checkpoint::read_checkpoint(ckpt(dir, 12));
  auto params = m.params().parameters();
  for (auto& p : params) p.mutable_value().copy_from(st.params.at(p.name()));
  decode::BeamDecodeOptions bo;
  bo.beam.beam_size = 3;
  bo.beam.n_best = 1;
  decode::BeamSearchDecoder dec(m, *dataset, bo);
  std::vector<std::string> hyps;
  for (const auto& t : dec.translate_batch(sources)) hyps.push_back(join_tokens(t.hypotheses.front().ids, dataset->target_vocab()));
  EXPECT_NEAR(recs.back().bleu, score::corpus_bleu(hyps, {refs}).score, 1e-9);
  EXPECT_NEAR(recs.back().chrf, score::corpus_chrf(hyps, {refs}).score, 1e-9);
  // Training itself does not see how validation decodes.
  auto a = read_normalized(ckpt(dir, 12)), b = read_normalized(ckpt(greedy, 12));
  for (auto* x : {&a, &b})
    for (const char* k : {"validations", "validation_has_best", "validation_best", "validation_best_step",
                          "validations_since_best"})
      x->scalars.erase(k);
  std::string why;
  EXPECT_TRUE(checkpoint::checkpoint_states_equal(a, b, &why)) << why;
}

TEST_F(Validation, DoesNotChangeTraining) {
  const std::string on = tmp_ / "on", off = tmp_ / "off";
  train_local(make_config(sets(on, {"train.max_steps=18", "model.input_keep_prob=0.8", "model.num_samples=4"})));
  train_local(make_config(sets(off, {"train.max_steps=18", "model.input_keep_prob=0.8", "model.num_samples=4",
                                     "train.validate_every=0"})));
  auto a = read_normalized(ckpt(on, 18)), b = read_normalized(ckpt(off, 18));
  EXPECT_EQ(a.scalars.at("validations"), 3);
  EXPECT_EQ(b.scalars.at("validations"), 0);
  for (auto* st : {&a, &b})
    for (const char* k : {"validations", "validation_has_best", "validation_best", "validation_best_step",
                          "validations_since_best"})
      st->scalars.erase(k);
  std::string why;
  EXPECT_TRUE(checkpoint::checkpoint_states_equal(a, b, &why)) << why;
  EXPECT_FALSE(fs::exists(off + "/best.h5"));
}

TEST_F(Validation, EarlyStoppingStopsAtThePredictedValidation) {
  const std::string dir = tmp_ / "early";
  std::vector<std::string> args{"train"};
  for (const auto& a : as_set_args(sets(dir, {"train.max_steps=600", "train.early_stopping_patience=2",
                                              "train.keep_checkpoints=1", "train.eval=full"})))
    args.push_back(a);
  const auto r = run_s2s(args, tmp_.path(), 300);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto recs = validation_records(dir);
  const Expected e = expected_from(recs, &Record::bleu, true, 2);
  ASSERT_GE(e.stop, 0) << "BLEU never stalled for 2 validations in 600 steps; the test needs a stall";
  ASSERT_EQ(recs.size(), std::size_t(e.stop + 1)) << "validations went on after the predicted stop";
  const std::int64_t stop_step = recs[std::size_t(e.stop)].step, best_step = recs[e.best].step;
  EXPECT_THAT(r.out, HasSubstr("early stopping after step " + std::to_string(stop_step) +
                               ": no improvement of bleu for 2 validation(s)"));
  EXPECT_THAT(r.out, HasSubstr("at step " + std::to_string(best_step) + ")"));
  EXPECT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{stop_step}));
  EXPECT_EQ(checkpoint::read_checkpoint(dir + "/best.h5").global_step, best_step);

  // Resuming a run that stopped early does nothing and says why.
  const auto again = run_s2s(args, tmp_.path(), 120);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("early stopping: the run had already stopped"));
  EXPECT_EQ(checkpoint_steps(dir), (std::vector<std::int64_t>{stop_step}));
}

TEST_F(Validation, ResumeKeepsBestAndPatience) {
  // perplexity as the metric here (lower is better), chrF below: both directions resume.
  for (const std::string metric : {"perplexity", "chrf"}) {
    SCOPED_TRACE(metric);
    const std::vector<std::string> common{"train.best_metric=" + metric, "train.early_stopping_patience=3",
                                          "train.keep_checkpoints=2"};
    auto with = [&](std::vector<std::string> v) {
      v.insert(v.end(), common.begin(), common.end());
      return v;
    };
    const std::string straight = tmp_ / ("straight_" + metric), resumed = tmp_ / ("resumed_" + metric);
    const auto a = train_local(make_config(sets(straight, with({"train.max_steps=48"}))));
    const auto b1 = train_local(make_config(sets(resumed, with({"train.max_steps=24"}))));
    ASSERT_EQ(b1.global_step, std::min<std::int64_t>(24, a.global_step));
    const auto b = train_local(make_config(sets(resumed, with({"train.max_steps=48"}))));
    EXPECT_EQ(a.global_step, b.global_step);
    EXPECT_EQ(a.stopped_early, b.stopped_early);
    EXPECT_EQ(a.best_step, b.best_step);
    EXPECT_EQ(a.best_value, b.best_value);
    EXPECT_EQ(a.validations, b.validations);
    EXPECT_EQ(compare_checkpoints(ckpt(straight, a.global_step), ckpt(resumed, b.global_step)), "");
    EXPECT_EQ(compare_checkpoints(straight + "/best.h5", resumed + "/best.h5"), "");
  }
}

TEST_F(Validation, KilledAndResumedEqualsStraight) {
  const std::vector<std::string> extra{"train.max_steps=36", "train.early_stopping_patience=4",
                                       "train.keep_checkpoints=1"};
  const std::string straight = tmp_ / "straight", killed = tmp_ / "killed";
  const auto a = train_local(make_config(sets(straight, extra)));
  std::vector<std::string> argv{s2s_binary(), "train"};
  for (const auto& s : as_set_args(sets(killed, extra))) argv.push_back(s);
  {
    Child c(argv, tmp_ / "killed_log");
    ASSERT_TRUE(c.wait_for_output("(step 6)", 120)) << c.out() << c.err();
    c.signal(SIGKILL);
    ASSERT_EQ(c.wait(30), 128 + SIGKILL) << "the run ended before the kill; the test needs it killed mid-run";
  }
  const auto steps = checkpoint_steps(killed);
  ASSERT_FALSE(steps.empty());
  ASSERT_LT(steps.back(), a.global_step);
  std::vector<std::string> resume_args{"train", "--resume", "auto"};
  for (const auto& s : as_set_args(sets(killed, extra))) resume_args.push_back(s);
  const auto r = run_s2s(resume_args, tmp_.path(), 120);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("resuming from"));
  EXPECT_EQ(compare_checkpoints(ckpt(straight, a.global_step), ckpt(killed, a.global_step)), "");
  EXPECT_EQ(compare_checkpoints(straight + "/best.h5", killed + "/best.h5"), "");
}

TEST_F(Validation, NoDevSplit) {
  const std::string no_dev = tmp_ / "nodev.h5";
  TinyData d;
  d.dev_pairs = 0;
  make_dataset(no_dev, d);
  auto s = tiny_overrides(no_dev, tmp_ / "nodev_run");
  s.push_back("train.max_steps=8");
  s.push_back("train.eval=translate");
  // Default cadence: validation turns itself off.
  EXPECT_EQ(train_local(make_config(s)).global_step, 8);
  // Asked for: a clear error naming the dataset.
  s.push_back("train.validate_every=1");
  try {
    train_local(make_config(s));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no dev sentences"));
    EXPECT_THAT(e.what(), HasSubstr(no_dev));
  }
}

}  // namespace
}  // namespace s2s::itest
