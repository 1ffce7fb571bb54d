// SubwordModel on a real multilingual sample (tests/data/multilingual, 359 lines, 12 languages):
//  - round trip text -> pieces -> ids -> pieces -> text, every line, for a model trained here
//    with the identity normaliser (exact) and with the default nmt_nfkc (equal to the line as
//    Python's unicodedata normalises it, sample.nfkc.txt, wherever the model covers the line);
//  - against the spm_encode command line (a program of its own on the same model file): the
//    same pieces and ids for every line;
//  - a model made by spm_train with SentencePiece's default ids (unk=0, bos=1, eos=2, no pad)
//    mapped to s2s's PAD=0 GO=1 EOS=2 UNK=3, piece for piece;
//  - errors: bytes that are no model, a vocabulary too large for the corpus.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "s2s/core/error.h"
#include "s2s/data/subword.h"
#include "s2s/data/vocabulary.h"
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

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string run(const std::string& command) {  // stdout of a shell command; fails the test on error
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  EXPECT_NE(p, nullptr) << command;
  if (p == nullptr) return out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << command;
  return out;
}

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class Lines : public SentenceStream {
 public:
  explicit Lines(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  bool next(std::string& s) override {
    if (i_ == lines_.size()) return false;
    s = lines_[i_++];
    return true;
  }
  std::size_t read() const { return i_; }

 private:
  std::vector<std::string> lines_;
  std::size_t i_ = 0;
};

std::shared_ptr<const SubwordModel> train_on_sample(SubwordTrainOptions o) {
  Lines lines(read_lines(sample_path("sample.txt")));
  auto m = SubwordModel::train(lines, o);
  EXPECT_EQ(lines.read(), 359u) << "the trainer must read the whole stream";
  return m;
}

// text -> pieces -> ids -> pieces -> text, checking each arrow.
void expect_round_trip(const SubwordModel& m, const std::string& line, const std::string& expected, int number) {
  SCOPED_TRACE("line " + std::to_string(number) + ": " + line.substr(0, 60));
  const std::vector<std::string> pieces = m.encode_pieces(line);
  const std::vector<std::int32_t> ids = m.encode(line);
  ASSERT_EQ(ids.size(), pieces.size());
  std::vector<std::string> back;
  for (std::int32_t id : ids) back.push_back(m.pieces()[static_cast<std::size_t>(id)]);
  EXPECT_EQ(back, pieces) << "ids -> pieces";
  EXPECT_EQ(m.decode_pieces(pieces), expected) << "pieces -> text";
  EXPECT_EQ(m.decode(ids), expected) << "ids -> text";
}

TEST(Subword, IdentityModelRoundTripsEveryLineExactly) {
  SubwordTrainOptions o;
  o.vocab_size = 1000;
  o.character_coverage = 1.0;
  o.normalization = "identity";
  auto m = train_on_sample(o);
  ASSERT_EQ(m->size(), 1000);
  EXPECT_TRUE(m->ids_are_native());
  for (std::size_t k = 0; k < kSpecialTokens.size(); ++k) EXPECT_EQ(m->pieces()[k], kSpecialTokens[k]);
  const auto lines = read_lines(sample_path("sample.txt"));
  ASSERT_EQ(lines.size(), 359u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    expect_round_trip(*m, lines[i], lines[i], int(i) + 1);
    for (std::int32_t id : m->encode(lines[i])) ASSERT_GE(id, 4) << "no specials (or UNK) from text";
  }
  EXPECT_EQ(m->decode(std::vector<std::int32_t>{kPadId, kGoId, kEosId}), "");
}

TEST(Subword, DefaultNormaliserGivesNfkcTextAndMatchesSpmEncode) {
  SubwordTrainOptions o;
  o.vocab_size = 1000;  // default coverage 0.9995: the rarest characters become UNK
  auto m = train_on_sample(o);
  const auto lines = read_lines(sample_path("sample.txt"));
  const auto nfkc = read_lines(sample_path("sample.nfkc.txt"));
  ASSERT_EQ(lines.size(), nfkc.size());
  int covered = 0, changed = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto ids = m->encode(lines[i]);
    if (std::find(ids.begin(), ids.end(), kUnkId) != ids.end()) continue;  // text lost to UNK (⁇)
    ++covered;
    changed += lines[i] != nfkc[i];
    expect_round_trip(*m, lines[i], nfkc[i], int(i) + 1);
  }
  EXPECT_GE(covered, 350);
  EXPECT_EQ(changed, 8) << "the NFKC-changed lines must be among the covered ones";

  // spm_encode (SentencePiece's command line) on the stored model: the same pieces and ids.
  TempDir tmp;
  const std::string model = tmp.write("m.model", m->serialized());
  const auto pieces = read_lines(tmp.write("p", run("spm_encode --model=" + model + " --output_format=piece < " +
                                                    sample_path("sample.txt"))));
  const auto ids = read_lines(
      tmp.write("i", run("spm_encode --model=" + model + " --output_format=id < " + sample_path("sample.txt"))));
  ASSERT_EQ(pieces.size(), lines.size());
  ASSERT_EQ(ids.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(m->encode_pieces(lines[i]), split(pieces[i])) << "line " << i + 1;
    std::vector<std::string> ours;
    for (std::int32_t id : m->encode(lines[i])) ours.push_back(std::to_string(id));
    EXPECT_EQ(ours, split(ids[i])) << "line " << i + 1;
  }
}

TEST(Subword, ForeignModelIdsAreMappedToTheFourSpecials) {
  TempDir tmp;
  // spm_train's defaults: unk=0 "<unk>", bos=1 "<s>", eos=2 "</s>", no pad.
  run("spm_train --input=" + sample_path("sample.txt") + " --model_prefix=" + tmp.file("foreign") +
      " --vocab_size=600 --model_type=bpe --minloglevel=2 2>/dev/null");
  auto m = SubwordModel::load(tmp.file("foreign.model"));
  EXPECT_FALSE(m->ids_are_native());
  ASSERT_EQ(m->size(), 601) << "600 pieces plus a _PAD the model lacks";
  for (std::size_t k = 0; k < kSpecialTokens.size(); ++k) EXPECT_EQ(m->pieces()[k], kSpecialTokens[k]);
  // The model's vocabulary file lists its pieces in its id order: ids 3.. follow as s2s 4..
  const auto vocab = read_lines(tmp.file("foreign.vocab"));
  ASSERT_EQ(vocab.size(), 600u);
  for (std::size_t id = 3; id < vocab.size(); ++id)
    EXPECT_EQ(m->pieces()[id + 1], vocab[id].substr(0, vocab[id].find('\t'))) << "spm id " << id;
  const auto spm_ids = read_lines(tmp.write(
      "i", run("spm_encode --model=" + tmp.file("foreign.model") + " --output_format=id < " +
               sample_path("sample.txt"))));
  const auto lines = read_lines(sample_path("sample.txt"));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> expected;
    for (const auto& s : split(spm_ids[i])) {
      const int id = std::stoi(s);
      expected.push_back(std::to_string(id == 0 ? kUnkId : id + 1));  // unk -> 3; pieces 3.. -> 4..
    }
    std::vector<std::string> ours;
    for (std::int32_t id : m->encode(lines[i])) ours.push_back(std::to_string(id));
    EXPECT_EQ(ours, expected) << "line " << i + 1;
    const auto nfkc = read_lines(sample_path("sample.nfkc.txt"));
    if (ours.end() == std::find(ours.begin(), ours.end(), "3")) EXPECT_EQ(m->decode(m->encode(lines[i])), nfkc[i]);
  }
  EXPECT_EQ(m->decode(std::vector<std::int32_t>{kPadId, kGoId, kEosId}), "");
}

TEST(Subword, Errors) {
  EXPECT_THAT([] { SubwordModel::from_serialized("not a model", "x.model"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("x.model: not a SentencePiece model")));
  EXPECT_THAT([] { SubwordModel::load("/nonexistent/m.model"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("/nonexistent/m.model")));
  SubwordTrainOptions o;
  o.vocab_size = 100000;
  Lines few({"a few words", "and a few more"});
  EXPECT_THAT([&] { SubwordModel::train(few, o); },
              ::testing::ThrowsMessage<Error>(HasSubstr("SentencePiece training failed")));
  SubwordTrainOptions small;
  small.vocab_size = 300;
  small.character_coverage = 1.0;  // 548 distinct characters do not fit 300 pieces
  EXPECT_THAT([&] { train_on_sample(small); },
              ::testing::ThrowsMessage<Error>(HasSubstr("Vocabulary size is smaller than required_chars")));
  small.vocab_size = 600;
  auto m = train_on_sample(small);
  EXPECT_THROW(m->decode(std::vector<std::int32_t>{600}), Error);
  EXPECT_THROW(m->decode(std::vector<std::int32_t>{-1}), Error);
  EXPECT_EQ(subword_type_from_name("bpe"), SubwordType::Bpe);
  EXPECT_THROW(subword_type_from_name("word"), Error);
}

// A stream that fails (bad input in the corpus) fails training with its own error.
TEST(Subword, StreamErrorsPropagate) {
  class Failing : public SentenceStream {
   public:
    bool next(std::string& s) override {
      if (n_++ < 100) {
        s = "some text " + std::to_string(n_);
        return true;
      }
      S2S_FAIL("corpus.txt:101: invalid UTF-8");
    }
    int n_ = 0;
  } failing;
  EXPECT_THAT([&] { SubwordModel::train(failing, SubwordTrainOptions{}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("corpus.txt:101: invalid UTF-8")));
}

}  // namespace
