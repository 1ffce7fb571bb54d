// Owns: a subword run end to end through the `s2s` binary: prepare with SentencePiece (a joint
// unigram model trained by prepare) and automatic buckets, train, decode, export, decode the
// export, eval on text, inspect. The model memorises twelve English -> French pairs with digits
// and punctuation. Checks: decode prints plain detokenised text (no ▁ piece marker, which
// --tokenized does print), digits come back as digits (no normalisation), the export decodes the
// same lines as the checkpoint without the dataset, eval tokenizes text with the model's own
// SentencePiece model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support.h"

namespace s2s::itest {
namespace {
using ::testing::HasSubstr;

struct Pair {
  const char* en;
  const char* fr;
};
const Pair kPairs[] = {
    {"I have 12 cats.", "J'ai 12 chats."},
    {"Where is the station?", "Où est la gare?"},
    {"It's 7:45, let's go!", "Il est 7h45, allons-y!"},
    {"The man is here.", "L'homme est ici."},
    {"Room 31, floor 2.", "Chambre 31, étage 2."},
    {"Today (not tomorrow).", "Aujourd'hui (pas demain)."},
    {"What's your name?", "Comment t'appelles-tu?"},
    {"I love you.", "Je t'aime."},
};
const char* kPiece = "\xe2\x96\x81";  // U+2581, SentencePiece's word-boundary marker

class Subword : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    std::string src, tgt, in;
    for (int repeat = 0; repeat < 24; ++repeat)
      for (const Pair& p : kPairs) src += std::string(p.en) + "\n", tgt += std::string(p.fr) + "\n";
    for (const Pair& p : kPairs) in += std::string(p.en) + "\n";
    write_file(*tmp_ / "train.en", src);
    write_file(*tmp_ / "train.fr", tgt);
    write_file(*tmp_ / "in.en", in);
    std::string dev_fr;
    for (const Pair& p : kPairs) dev_fr += std::string(p.fr) + "\n";
    write_file(*tmp_ / "dev.fr", dev_fr);
    // quickstart.yaml without its data.buckets, so the dataset's (automatic) buckets are used.
    std::string config;
    std::istringstream quick(read_file(source_dir() + "/configs/quickstart.yaml"));
    for (std::string line; std::getline(quick, line);)
      if (line.find("buckets:") == std::string::npos) config += line + "\n";
    write_file(*tmp_ / "config.yaml", config);
    data_ = *tmp_ / "text.h5";
    dir_ = *tmp_ / "train";
    prepare_ = run_s2s({"prepare", "--source", *tmp_ / "train.en", "--target", *tmp_ / "train.fr", "--dev-source",
                        *tmp_ / "in.en", "--dev-target", *tmp_ / "dev.fr", "--tokenizer", "sentencepiece", "--spm-vocab-size", "60", "--spm-character-coverage", "1.0", "--buckets",
                        "auto:2", "-o", data_, "--quiet"},
                       tmp_->path());
    ASSERT_EQ(prepare_.code, 0) << prepare_.err;
    auto r = run_s2s({"train", "--config", *tmp_ / "config.yaml", "--set", "data.dataset=" + data_, "--set",
                      "train.train_dir=" + dir_, "--set", "train.max_steps=300", "--set",
                      "train.steps_per_checkpoint=300", "--set", "train.log_every=0", "--set",
                      "train.validate_every=1"},
                     tmp_->path(), 240);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete tmp_; }
  static inline TempDir* tmp_ = nullptr;
  static inline std::string data_, dir_;
  static inline ProcessResult prepare_;
};

TEST_F(Subword, PrepareReportsModelAndAutoBuckets) {
  EXPECT_THAT(prepare_.out, HasSubstr("vocabulary: sentencepiece pieces, source 60, target 60 (trained: joint unigram"));
  EXPECT_THAT(prepare_.out, HasSubstr("buckets: auto:2 chose "));
  EXPECT_THAT(prepare_.out, HasSubstr("from 192 training pairs; dropped 0 (0.00%, at most 1.00% allowed)"));
  EXPECT_THAT(prepare_.out, HasSubstr("dev: 8 pairs read, 8 kept"));
  auto r = run_s2s({"inspect", data_}, tmp_->path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tokenizer: sentencepiece, normalize_digits off"));
  EXPECT_THAT(r.out, HasSubstr("sentencepiece: one joint model"));
}

TEST_F(Subword, DecodePrintsPlainTextAndTheExportDecodesTheSame) {
  const std::string in = *tmp_ / "in.en";
  auto text = run_s2s({"decode", "--checkpoint", dir_, "-i", in}, tmp_->path());
  ASSERT_EQ(text.code, 0) << text.err;
  auto pieces = run_s2s({"decode", "--checkpoint", dir_, "-i", in, "--tokenized"}, tmp_->path());
  ASSERT_EQ(pieces.code, 0) << pieces.err;
  const auto a = lines_of(text.out), b = lines_of(pieces.out);
  const std::size_t n = std::size(kPairs);
  ASSERT_EQ(a.size(), n) << text.out;
  ASSERT_EQ(b.size(), n) << pieces.out;
  int memorised = 0;
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE(std::string("line ") + std::to_string(i + 1) + ": " + kPairs[i].en);
    EXPECT_EQ(a[i].find(kPiece), std::string::npos) << "a piece marker in decode's text: " << a[i];
    EXPECT_NE(b[i].find(kPiece), std::string::npos) << "--tokenized prints the pieces: " << b[i];
    memorised += a[i] == kPairs[i].fr;
  }
  std::printf("[subword] %d of %zu pairs memorised; e.g. '%s' / '%s'\n", memorised, n, a[0].c_str(), b[0].c_str());
  EXPECT_GE(memorised, 4) << "the model did not learn its pairs: too few exact lines";

  // Validation during training scored the same dev pairs as decoded text: its BLEU equals
  // `s2s score` of what decode printed (sacrebleu's defaults on detokenised text).
  const std::string hyp = *tmp_ / "hyp.fr";
  write_file(hyp, text.out);
  auto score = run_s2s({"score", "--hyp", hyp, "--ref", *tmp_ / "dev.fr"}, tmp_->path());
  ASSERT_EQ(score.code, 0) << score.err;
  double bleu = -1;
  for (const std::string& line : lines_of(read_file(dir_ + "/metrics.jsonl"))) {
    const auto at = line.find("\"bleu\":");
    if (line.find("\"kind\":\"validation\"") != std::string::npos && at != std::string::npos)
      bleu = std::stod(line.substr(at + 7));
  }
  ASSERT_GE(bleu, 0) << "no validation record in metrics.jsonl";
  const auto score_at = score.out.find("= ");
  ASSERT_NE(score_at, std::string::npos) << score.out;
  EXPECT_NEAR(bleu, std::stod(score.out.substr(score_at + 2)), 0.01) << score.out;

  const std::string model = *tmp_ / "model.h5";
  auto r = run_s2s({"export", "--checkpoint", dir_, "-o", model}, tmp_->path());
  ASSERT_EQ(r.code, 0) << r.err;
  auto from_export = run_s2s({"decode", "--checkpoint", model, "-i", in}, tmp_->path());
  ASSERT_EQ(from_export.code, 0) << from_export.err;
  EXPECT_EQ(from_export.out, text.out);
}

TEST_F(Subword, EvalTokenizesTextWithTheModel) {
  auto r = run_s2s({"eval", "--checkpoint", dir_, "--source", *tmp_ / "train.en", "--target", *tmp_ / "train.fr"},
                   tmp_->path(), 120);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("192"));  // every pair evaluated
}

TEST_F(Subword, PrepareOptionErrors) {
  auto r = run_s2s({"prepare", "--source", *tmp_ / "train.en", "--target", *tmp_ / "train.fr", "--spm-vocab-size",
                    "100", "-o", *tmp_ / "x.h5"},
                   tmp_->path());
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("--spm-vocab-size needs --tokenizer sentencepiece"));
  r = run_s2s({"prepare", "--source", *tmp_ / "train.en", "--target", *tmp_ / "train.fr", "--bucket-drop-share",
               "0.1", "-o", *tmp_ / "x.h5"},
              tmp_->path());
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("--bucket-drop-share applies to --buckets auto"));
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace s2s::itest
